using Gadugi.BuildExec.Tasks.Tests.Support;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Gadugi.BuildExec.Tasks.Tests.Unit;

/// <summary>
/// The task through MSBuild's task API with a recording engine. Commands really run: with no engine
/// reachable (EngineEndpoint points nowhere) a policy with fallback: shell runs them on the host, which
/// exercises streaming, canonical errors, exit codes and cancellation without a container engine.
/// </summary>
[TestClass]
public sealed class ContainerExecTaskTests
{
    private const string NoEngine = "unix:///nonexistent/gadugi-tests.sock";
    private string _project = null!;
    private string _policyFile = null!;
    private string _auditLog = null!;

    [TestInitialize]
    public void CreateProject()
    {
        _project = Path.Combine(Path.GetTempPath(), "gbx-task-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_project);
        _policyFile = Path.Combine(_project, "policies.yaml");
        File.WriteAllText(_policyFile, "policies:\n  hostok:\n    image: gadugi/shell:5.2\n    fallback: shell\n    env: [GREETING]\n");
        _auditLog = Path.Combine(_project, "audit.jsonl");
    }

    [TestCleanup]
    public void DeleteProject() => Directory.Delete(_project, recursive: true);

    private (ContainerExec Task, RecordingBuildEngine Engine) NewTask(string? command = null)
    {
        var engine = new RecordingBuildEngine(Path.Combine(_project, "app.csproj"));
        var task = new ContainerExec
        {
            BuildEngine = engine.Engine,
            Command = command,
            Policy = "hostok",
            PolicyFile = _policyFile,
            EngineEndpoint = NoEngine,
            AuditLog = _auditLog,
        };
        return (task, engine);
    }

    [TestMethod]
    public void Output_lines_are_logged_with_stdout_high_and_stderr_normal()
    {
        var (task, engine) = NewTask("echo out-line; echo err-line >&2; echo \"$GREETING\"");
        task.EnvironmentVariables = ["GREETING=hello there"];

        Assert.IsTrue(task.Execute(), engine.Log);

        Assert.AreEqual(MessageImportance.High, engine.Messages.Single(m => m.Message == "out-line").Importance);
        Assert.AreEqual(MessageImportance.Normal, engine.Messages.Single(m => m.Message == "err-line").Importance);
        Assert.IsTrue(engine.Messages.Any(m => m.Message == "hello there"), engine.Log);
        Assert.AreEqual(0, task.ExitCode);
        Assert.IsFalse(task.Sandboxed);
        Assert.AreEqual("GBX4009", engine.Warnings.Single().Code, "running unsandboxed is a warning");
        Assert.AreEqual(_auditLog, task.AuditLogPath);
        Assert.AreEqual(64, task.AuditRecordHash.Length);
        Assert.IsGreaterThanOrEqualTo(1L, task.AuditSequence);
    }

    [TestMethod]
    public void Canonical_lines_become_errors_and_warnings_unless_ignored()
    {
        const string Lines = "echo 'src/a.cs(3,5): error CS1002: ; expected'; echo 'b.ts(1): warning TS100: careful'";
        var (task, engine) = NewTask(Lines);

        Assert.IsFalse(task.Execute());

        var error = engine.Errors.Single();
        Assert.AreEqual("CS1002", error.Code);
        Assert.AreEqual("src/a.cs", error.File);
        Assert.AreEqual(3, error.LineNumber);
        Assert.AreEqual(5, error.ColumnNumber);
        Assert.IsTrue(engine.Warnings.Any(w => w.Code == "TS100"), engine.Log);

        var (ignoring, quiet) = NewTask(Lines);
        ignoring.IgnoreStandardErrorWarningFormat = true;
        Assert.IsTrue(ignoring.Execute(), quiet.Log);
        Assert.IsEmpty(quiet.Errors);
        Assert.IsTrue(quiet.Messages.Any(m => m.Message == "src/a.cs(3,5): error CS1002: ; expected"));
    }

    [TestMethod]
    public void Non_zero_exit_is_GBX4001_naming_command_and_code_unless_ignored()
    {
        var (task, engine) = NewTask("echo failing; exit 3");

        Assert.IsFalse(task.Execute());

        var error = engine.Errors.Single();
        Assert.AreEqual("GBX4001", error.Code);
        StringAssert.Contains(error.Message, "'echo failing; exit 3' exited with code 3");
        Assert.AreEqual(3, task.ExitCode);

        var (ignoring, quiet) = NewTask("exit 3");
        ignoring.IgnoreExitCode = true;
        Assert.IsTrue(ignoring.Execute(), quiet.Log);
        Assert.AreEqual(3, ignoring.ExitCode);
    }

    [TestMethod]
    public void Timeout_kill_is_GBX4002()
    {
        var (task, engine) = NewTask("sleep 30");
        task.Timeout = "300";

        Assert.IsFalse(task.Execute());

        Assert.AreEqual("GBX4002", engine.Errors.Single().Code, engine.Log);
        Assert.AreEqual("timeout", task.KillReason);
    }

    [TestMethod]
    public void ConsoleToMSBuild_returns_the_non_empty_lines_escaped()
    {
        var (task, engine) = NewTask("echo 'a;b'; echo; echo '50% $(x)' >&2");
        task.ConsoleToMSBuild = true;

        Assert.IsTrue(task.Execute(), engine.Log);

        CollectionAssert.AreEqual(new[] { "a;b", "50% $(x)" }, task.ConsoleOutput.Select(item => item.ItemSpec).ToArray());
    }

    [TestMethod]
    public void Invalid_parameters_fail_with_their_code_before_anything_runs()
    {
        var (missing, missingEngine) = NewTask();
        Assert.IsFalse(missing.Execute());
        Assert.AreEqual("GBX4006", missingEngine.Errors.Single().Code);
        Assert.AreEqual(Path.Combine(_project, "app.csproj"), missingEngine.Errors.Single().File);

        var (badEnv, badEnvEngine) = NewTask("true");
        badEnv.EnvironmentVariables = ["NOT A PAIR"];
        Assert.IsFalse(badEnv.Execute());
        Assert.AreEqual("GBX4007", badEnvEngine.Errors.Single().Code);

        var (badImportance, badImportanceEngine) = NewTask("true");
        badImportance.StandardOutputImportance = "loud";
        Assert.IsFalse(badImportance.Execute());
        Assert.AreEqual("GBX4008", badImportanceEngine.Errors.Single().Code);

        var (denied, deniedEngine) = NewTask("true");
        denied.EnvironmentVariables = ["SECRET=x"];
        Assert.IsFalse(denied.Execute());
        Assert.AreEqual("GBX2009", deniedEngine.Errors.Single().Code, "names off the policy's allowlist are refused");
        Assert.IsFalse(File.ReadAllText(_auditLog).Contains("SECRET=x", StringComparison.Ordinal), "values are never audited");
    }

    [TestMethod]
    public void Policy_file_problems_are_errors_at_their_line_and_column()
    {
        File.WriteAllText(_policyFile, "policies:\n  hostok:\n    image: gadugi/shell:5.2\n    memroy: 1g\n");
        var (task, engine) = NewTask("true");

        Assert.IsFalse(task.Execute());

        var error = engine.Errors.Single();
        Assert.AreEqual("GBX2003", error.Code);
        Assert.AreEqual(_policyFile, error.File);
        Assert.AreEqual(4, error.LineNumber);
    }

    [TestMethod]
    public void Cancel_kills_the_running_command_and_fails_with_GBX4005()
    {
        var (task, engine) = NewTask("echo started; sleep 60; echo never");
        engine.MessageLogged += message =>
        {
            if (message.Message == "started")
            {
                task.Cancel();
            }
        };

        Assert.IsFalse(task.Execute());

        Assert.AreEqual("GBX4005", engine.Errors.Single().Code, engine.Log);
        Assert.AreEqual("cancelled", task.KillReason);
        Assert.IsFalse(engine.Messages.Any(m => m.Message == "never"));
    }

    [TestMethod]
    public void Cancel_before_Execute_runs_nothing()
    {
        var (task, engine) = NewTask("echo ran");
        task.Cancel();

        Assert.IsFalse(task.Execute());

        Assert.AreEqual("GBX4005", engine.Errors.Single().Code, engine.Log);
        Assert.IsFalse(engine.Messages.Any(m => m.Message == "ran"));
    }

    [TestMethod]
    public void The_task_runs_in_the_private_load_context()
    {
        var (task, engine) = NewTask("true");

        Assert.IsTrue(task.Execute(), engine.Log);

        var context = engine.Messages.Single(m => m.Message!.StartsWith("Gadugi.BuildExec load context", StringComparison.Ordinal)).Message!;
        StringAssert.Contains(context, "'Gadugi.BuildExec.Tasks: " + Path.GetDirectoryName(Repo.TasksAssembly) + "'");
    }

    [TestMethod]
    public void Arguments_items_run_without_a_shell()
    {
        var (task, engine) = NewTask();
        task.Arguments = [new TaskItem("printf"), new TaskItem("%s|%s"), new TaskItem("a b"), new TaskItem("$HOME")];

        Assert.IsTrue(task.Execute(), engine.Log);

        Assert.IsTrue(engine.Messages.Any(m => m.Message == "a b|$HOME"), engine.Log);
    }

    [TestMethod]
    public void Errors_carry_the_help_link_of_their_code()
    {
        var (task, engine) = NewTask("exit 3");

        Assert.IsFalse(task.Execute(), engine.Log);

        var error = engine.Errors.Single();
        Assert.AreEqual("GBX4001", error.Code);
        Assert.AreEqual(HelpLinks.Document + "#gbx4001--sandboxed-command-failed", error.HelpLink);
        Assert.IsFalse(engine.Warnings.Any(w => w.Code == "GBX4017"), "the executor's own unsandboxed warning is the task's GBX4009, not repeated\n" + engine.Log);
    }

    [TestMethod]
    [TestCategory("Engine")]
    public void The_executors_warnings_reach_the_build_log()
    {
        var output = Path.Combine(_project, "out");
        Directory.CreateDirectory(output);
        var engine = new RecordingBuildEngine(Path.Combine(_project, "app.csproj"));
        var task = new ContainerExec
        {
            BuildEngine = engine.Engine,
            Command = "echo kept > /output/kept.txt; ln -s /etc/passwd /output/link",
            WorkingDirectory = _project,
            OutputDirectory = output,
            AuditLog = _auditLog,
        };

        Assert.IsTrue(task.Execute(), engine.Log);

        Assert.IsTrue(task.Sandboxed, engine.Log);
        Assert.IsTrue(File.Exists(Path.Combine(output, "kept.txt")), engine.Log);
        Assert.IsFalse(File.Exists(Path.Combine(output, "link")) || new FileInfo(Path.Combine(output, "link")).LinkTarget is not null, engine.Log);
        var warning = engine.Warnings.SingleOrDefault(w => w.Code == "GBX4017");
        Assert.IsNotNull(warning, "the refused /output entry was not reported\n" + engine.Log);
        StringAssert.Contains(warning.Message, "/output entry refused");
        StringAssert.Contains(warning.Message, task.ExecutionId);
        Assert.AreEqual(HelpLinks.For("GBX4017"), warning.HelpLink);
    }
}
