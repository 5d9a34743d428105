using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Docker.DotNet.Models;
using Gadugi.BuildExec.Core.Audit;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Engine.Tests.Support;
using Gadugi.BuildExec.Core.Engine.Docker;

namespace Gadugi.BuildExec.Engine.Tests.Execution;

/// <summary>
/// No run goes unrecorded, even when its owner is killed: the run's 'started' record is written
/// before its sandbox starts, and the sweep of a later run appends 'abandoned' to the log the dead
/// run was writing to; 'audit verify' reports the run open, then abandoned.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class AbandonedRunTests
{
    private string _scratch = string.Empty;

    public TestContext TestContext { get; set; } = null!;

    private string Audit => Path.Combine(_scratch, "audit.jsonl");

    [TestInitialize]
    public void CreateScratch()
    {
        _scratch = Directory.CreateTempSubdirectory("gadugi-test-abandoned-").FullName;
        File.SetUnixFileMode(_scratch, (UnixFileMode)0x1ED);
    }

    [TestCleanup]
    public void DeleteScratch() => Directory.Delete(_scratch, recursive: true);

    [TestMethod]
    public async Task A_CLI_killed_mid_run_is_recorded_as_abandoned_by_the_next_runs_sweep_and_verify_reports_it()
    {
        var startInfo = new ProcessStartInfo("dotnet") { WorkingDirectory = _scratch, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Support.Cli.ProgramPath, "run", "--policy", "shell", "--", "sleep", "600" })
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment["GADUGI_AUDIT_LOG"] = Audit;
        string executionId;
        using (var victim = Process.Start(startInfo)!)
        {
            executionId = await WaitForStartedRecordAsync(victim);
            victim.Kill();
            await victim.WaitForExitAsync(TestContext.CancellationToken);
        }

        var whileOpen = await Support.Cli.RunAsync(_scratch, null, null, "audit", "verify", Audit);
        var stillThere = await SandboxOfAsync(executionId) is not null;

        var next = await Support.Cli.RunAsync(_scratch, Support.Cli.AuditTo(Audit), null, "run", "--policy", "shell", "--", "true");
        var resolved = await Support.Cli.RunAsync(_scratch, null, null, "audit", "verify", Audit);

        // Test projects run side by side, and any executor's first run sweeps dead owners' sandboxes
        // machine-wide: another project's sweep may end the killed run before this test's next run does.
        if (stillThere)
        {
            Assert.AreEqual(0, whileOpen.ExitCode, whileOpen.ToString());
            StringAssert.Contains(whileOpen.Stdout, "runs: 1 started, 0 finished, 0 abandoned, 1 open");
            StringAssert.Contains(whileOpen.Stderr, $"GBX1303: 1 run(s) in '{Audit}' started but never finished: {executionId} (policy shell, started ");
        }

        Assert.AreEqual(0, next.ExitCode, next.ToString());
        Assert.IsNull(await SandboxOfAsync(executionId), "the sweep removes the dead owner's sandbox");
        var abandoned = File.ReadLines(Audit).Select(line => JsonDocument.Parse(line).RootElement.Clone())
            .Single(record => record.GetProperty("status").GetString() == "abandoned");
        Assert.AreEqual(executionId, abandoned.GetProperty("id").GetString());
        CollectionAssert.AreEqual(new[] { "sleep", "600" }, abandoned.GetProperty("argv").EnumerateArray().Select(a => a.GetString()).ToArray());
        StringAssert.Contains(abandoned.GetProperty("error").GetString(), "was removed by the sweep of pid");
        Assert.AreEqual("sweep", abandoned.GetProperty("who").GetProperty("caller").GetString());

        Assert.AreEqual(0, resolved.ExitCode, resolved.ToString());
        StringAssert.Contains(resolved.Stdout, "OK: 4 record(s), chain intact");
        StringAssert.Contains(resolved.Stdout, "runs: 2 started, 1 finished, 1 abandoned, 0 open");
        StringAssert.Contains(resolved.Stdout, $"abandoned: {executionId} (policy shell, started ");
        Assert.IsFalse(resolved.Stderr.Contains("GBX1303", StringComparison.Ordinal), resolved.Stderr);
    }

    [TestMethod]
    public async Task An_open_run_of_a_dead_owner_whose_sandbox_is_already_gone_is_recorded_as_abandoned_in_the_sweepers_own_log()
    {
        var audit = Path.Combine(_scratch, "audit.jsonl");
        var deadOwner = OwnerIdentity.Current with { Pid = 999_999, StartTicks = 1 };
        await new AuditLog(audit).AppendAsync(new AuditRecord
        {
            Id = "0badc0ffee00",
            Time = DateTimeOffset.UtcNow.AddMinutes(-5),
            Who = new AuditActor("someone", 1000, Environment.MachineName, 999_999, "cli"),
            Status = AuditStatus.Started,
            Policy = new AuditPolicy("shell", "built-in"),
            Argv = ["make", "test"],
            Sandboxed = true,
            ContainerId = new string('e', 64),
            Owner = deadOwner.ToString(),
        }, TestContext.CancellationToken);

        await using (var executor = new Gadugi.BuildExec.Core.Execution.SandboxExecutor(new Gadugi.BuildExec.Core.Execution.ExecutorOptions { AuditLogPath = audit }))
        {
            var workspace = Directory.CreateDirectory(Path.Combine(_scratch, "workspace")).FullName;
            File.SetUnixFileMode(workspace, (UnixFileMode)0x1ED);
            var result = await executor.RunAsync(new Gadugi.BuildExec.Core.Execution.ExecutionRequest { Command = ["true"], Policy = Sandbox.Shell, WorkingDirectory = workspace }, TestContext.CancellationToken);
            Assert.AreEqual(0, result.ExitCode);
        }

        var runs = AuditRuns.Read(audit);
        Assert.IsEmpty(runs.Open);
        var run = runs.Abandoned.Single();
        Assert.AreEqual("0badc0ffee00", run.Id);
        var record = File.ReadLines(audit).Select(line => JsonDocument.Parse(line).RootElement.Clone()).Single(r => r.GetProperty("status").GetString() == "abandoned");
        StringAssert.Contains(record.GetProperty("error").GetString(), "was already gone");
        Assert.IsTrue(AuditVerifier.Verify(audit).IsIntact);
    }

    [TestMethod]
    public async Task A_sandbox_label_never_makes_the_sweep_write_to_a_file_that_is_not_that_runs_audit_log()
    {
        var victim = Path.Combine(_scratch, "not-an-audit-log");
        const string content = "precious: do not append\n";
        await File.WriteAllTextAsync(victim, content, TestContext.CancellationToken);
        using var engine = await EngineConnection.ConnectAsync(cancellationToken: TestContext.CancellationToken);
        var deadOwner = OwnerIdentity.Current with { Pid = 999_998, StartTicks = 1 };
        var created = await engine.Client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = "gadugi/shell:5.2",
            Entrypoint = ["sleep"],
            Cmd = ["600"],
            Labels = new Dictionary<string, string>
            {
                [ContainerLabels.Managed] = "true",
                [ContainerLabels.Owner] = deadOwner.ToString(),
                [ContainerLabels.Execution] = "label-points-elsewhere",
                [ContainerLabels.AuditLog] = victim,
                [ContainerLabels.Deadline] = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            },
            HostConfig = new HostConfig { NetworkMode = "none", ReadonlyRootfs = true, CapDrop = ["ALL"] },
        }, TestContext.CancellationToken);

        await using (var sandbox = new Sandbox())
        {
            Assert.AreEqual(0, (await sandbox.RunAsync(Sandbox.Shell, "true")).ExitCode);
        }

        await SandboxHarness.AssertNothingLeftAsync("label-points-elsewhere");
        Assert.AreEqual(content, await File.ReadAllTextAsync(victim, TestContext.CancellationToken), "the sweep wrote to a file that holds no started record of that run");
        _ = created;
    }

    private async Task<string> WaitForStartedRecordAsync(Process victim)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(2))
        {
            if (victim.HasExited)
            {
                Assert.Fail($"the CLI ended before its sandbox started: exit {victim.ExitCode}: {await victim.StandardError.ReadToEndAsync(TestContext.CancellationToken)}");
            }

            if (File.Exists(Audit) && AuditRuns.Read(Audit).Open is [var started, ..])
            {
                // The record comes just before the sandbox starts; the command runs a moment later.
                await Task.Delay(500, TestContext.CancellationToken);
                return started.Id;
            }

            await Task.Delay(100, TestContext.CancellationToken);
        }

        throw new AssertFailedException("no started record within 2 minutes");
    }

    private async Task<string?> SandboxOfAsync(string executionId)
    {
        using var engine = await EngineConnection.ConnectAsync(cancellationToken: TestContext.CancellationToken);
        var containers = await engine.Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{ContainerLabels.Execution}={executionId}"] = true } },
        }, TestContext.CancellationToken);
        return containers.SingleOrDefault()?.ID;
    }
}
