using System.Globalization;
using Gadugi.BuildExec.Engine.Tests.Support;

namespace Gadugi.BuildExec.Engine.Tests.Setup;

/// <summary>
/// The README's two commands run one after the other: the first starts the engine from build.sh's
/// environment, whose TMPDIR build.sh removes on exit, and the second (and every later run) needs
/// that engine to still run commands. Proven on private engines, never the machine's.
/// </summary>
[TestClass]
public sealed class EngineStartTests
{
    private ScratchFolder _scratch = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void CreateScratch() => _scratch = new ScratchFolder("gadugi-test-start-");

    [TestCleanup]
    public void DeleteScratch() => _scratch.Delete();

    private string Workspace() => _scratch.Workspace();

    private Dictionary<string, string> CliEnvironment(PrivateEngine engine)
    {
        var environment = Support.Cli.AuditTo(Path.Combine(_scratch.Root, "audit.jsonl"));
        environment["DOCKER_HOST"] = engine.DockerHost;
        return environment;
    }

    [TestMethod]
    public async Task An_engine_the_set_up_starts_runs_commands_after_the_set_up_and_its_TMPDIR_are_gone()
    {
        var callerTmp = Directory.CreateDirectory(Path.Combine(_scratch.Root, "gadugi-build.caller")).FullName;
        var caller = new Dictionary<string, string>
        {
            ["TMPDIR"] = callerTmp,
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["HTTPS_PROXY"] = "http://127.0.0.1:9",
        };

        await using var engine = await PrivateEngine.StartAsync("10.231.0.0/16", caller, "gadugi/shell:5.2");
        Directory.Delete(callerTmp, recursive: true);

        var environment = await File.ReadAllTextAsync($"/proc/{engine.Pid}/environ", TestContext.CancellationToken);
        var names = environment.Split('\0', StringSplitOptions.RemoveEmptyEntries).Select(pair => pair.Split('=')[0]).ToArray();
        CollectionAssert.DoesNotContain(names, "TMPDIR");
        CollectionAssert.DoesNotContain(names, "HTTPS_PROXY");
        Assert.IsFalse(names.Any(name => name.StartsWith("DOTNET_", StringComparison.Ordinal)), string.Join(", ", names));
        Assert.AreNotEqual(SessionOf(Environment.ProcessId), SessionOf(engine.Pid), "dockerd must run in a session of its own");

        var result = await Support.Cli.RunAsync(Workspace(), CliEnvironment(engine), null, "run", "--policy", "shell", "--", "echo", "still runs");

        Assert.AreEqual(0, result.ExitCode, result + "\n" + await File.ReadAllTextAsync(engine.Log, TestContext.CancellationToken));
        Assert.AreEqual("still runs\n", result.Stdout);
    }

    [TestMethod]
    public async Task An_engine_started_from_a_TMPDIR_that_is_gone_fails_every_check_with_GBX1003_and_the_engines_message()
    {
        var callerTmp = Directory.CreateDirectory(Path.Combine(_scratch.Root, "gadugi-build.inherited")).FullName;
        await using var engine = await PrivateEngine.StartInheritingAsync("10.232.0.0/16", callerTmp, "gadugi/shell:5.2");
        Directory.Delete(callerTmp, recursive: true);
        var environment = CliEnvironment(engine);

        var run = await Support.Cli.RunAsync(Workspace(), environment, null, "run", "--policy", "shell", "--", "echo", "hi");
        var doctor = await Support.Cli.RunAsync(Workspace(), environment, null, "doctor");
        var setup = await ChildProcess.RunAsync("bash", [PrivateEngine.Script("setup-engine.sh"), "check"], new ChildProcessOptions { Environment = new Dictionary<string, string> { ["DOCKER_HOST"] = engine.DockerHost } });

        Assert.AreEqual(125, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Stderr, "GBX1003: The container engine answers but cannot run a command inside a sandbox: OCI runtime exec failed: open " + callerTmp + "/runc-process");
        StringAssert.Contains(run.Stderr, "restart it from a clean environment");
        var record = File.ReadLines(Path.Combine(_scratch.Root, "audit.jsonl")).Last();
        StringAssert.Contains(record, "\"status\":\"failed\"");
        StringAssert.Contains(record, "GBX1003");

        Assert.AreEqual(1, doctor.ExitCode, doctor.ToString());
        StringAssert.Contains(doctor.Stdout, "FAIL engine exec: GBX1003");
        Assert.IsFalse(doctor.Stdout.Contains("limit memory", StringComparison.Ordinal), "no limit can be proven without exec: " + doctor.Stdout);

        Assert.AreEqual(1, setup.ExitCode, setup.ToString());
        StringAssert.Contains(setup.Stderr, "GBX1003: The container engine answers but cannot run a command inside a sandbox: OCI runtime exec failed: open " + callerTmp);
    }

    private static string SessionOf(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[3];
    }
}
