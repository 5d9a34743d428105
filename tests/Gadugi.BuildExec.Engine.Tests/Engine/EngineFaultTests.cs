using System.Text.Json;
using Docker.DotNet.Models;
using Gadugi.BuildExec.Core.Audit;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Engine.Tests.Support;
using Gadugi.BuildExec.Core.Engine.Docker;

namespace Gadugi.BuildExec.Engine.Tests.Engine;

/// <summary>
/// Faults of the engine surface as coded errors with an audit record, never as a command's exit
/// code: a sandbox stopped from outside, and an engine restarted mid-run (on a private engine, so
/// the machine's is never restarted), after which runs work again.
/// </summary>
[TestClass]
public sealed class EngineFaultTests
{
    private ScratchFolder _scratch = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void CreateScratch() => _scratch = new ScratchFolder("gadugi-test-fault-");

    [TestCleanup]
    public void DeleteScratch() => _scratch.Delete();

    private string Workspace() => _scratch.Workspace();

    [TestMethod]
    public async Task A_sandbox_killed_from_outside_is_GBX1006_and_audited_failed_not_the_commands_exit_code()
    {
        await using var sandbox = new Sandbox();
        var sink = new FirstOutputSink();
        var running = sandbox.RunAsync(new ExecutionRequest { Command = ["bash", "-c", "echo running; sleep 600"], Policy = Sandbox.Shell, WorkingDirectory = sandbox.Workspace, Output = sink });
        await sink.Started.WaitAsync(TimeSpan.FromMinutes(1), TestContext.CancellationToken);

        using (var engine = await EngineConnection.ConnectAsync(cancellationToken: TestContext.CancellationToken))
        {
            var ours = await engine.Client.Containers.ListContainersAsync(new ContainersListParameters
            {
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{ContainerLabels.AuditLog}={sandbox.AuditLogPath}"] = true } },
            }, TestContext.CancellationToken);
            await engine.Client.Containers.KillContainerAsync(ours.Single().ID, new ContainerKillParameters { Signal = "KILL" }, TestContext.CancellationToken);
        }

        var error = await Assert.ThrowsExactlyAsync<GadugiException>(() => running);

        Assert.AreEqual("GBX1006", error.Code, error.Message);
        StringAssert.Contains(error.Message, "the sandbox's init exited with 137 (signal 9)");
        var ending = JsonDocument.Parse(File.ReadLines(sandbox.AuditLogPath).Last()).RootElement;
        Assert.AreEqual("failed", ending.GetProperty("status").GetString());
        StringAssert.Contains(ending.GetProperty("error").GetString(), "GBX1006");
        Assert.IsEmpty(AuditRuns.Read(sandbox.AuditLogPath).Open);
    }

    [TestMethod]
    public async Task An_engine_restarted_mid_run_ends_the_run_with_a_coded_engine_error_and_a_record_and_the_next_run_works()
    {
        var machineBridgeBefore = File.Exists("/sys/class/net/docker0/ifindex") ? File.ReadAllText("/sys/class/net/docker0/ifindex") : null;
        await using var engine = await PrivateEngine.StartAsync("10.233.0.0/16", new Dictionary<string, string>(), "gadugi/shell:5.2");
        var audit = Path.Combine(_scratch.Root, "audit.jsonl");
        var workspace = Workspace();
        await using var executor = new SandboxExecutor(new ExecutorOptions { Endpoint = new Uri(engine.DockerHost), AuditLogPath = audit });
        var sink = new FirstOutputSink();
        var running = executor.RunAsync(new ExecutionRequest { Command = ["bash", "-c", "echo running; sleep 600"], Policy = Sandbox.Shell, WorkingDirectory = workspace, Output = sink }, TestContext.CancellationToken);
        await sink.Started.WaitAsync(TimeSpan.FromMinutes(1), TestContext.CancellationToken);

        var restart = await ChildProcess.RunAsync("bash", [PrivateEngine.Script("private-engine.sh"), "restart", engine.Directory]);
        var machineBridgeAfter = File.Exists("/sys/class/net/docker0/ifindex") ? File.ReadAllText("/sys/class/net/docker0/ifindex") : null;
        var error = await Assert.ThrowsExactlyAsync<GadugiException>(() => running);
        var after = await executor.RunAsync(new ExecutionRequest { Command = ["echo", "back"], Policy = Sandbox.Shell, WorkingDirectory = workspace }, TestContext.CancellationToken);

        Assert.AreEqual(0, restart.ExitCode, restart.ToString());
        Assert.AreEqual(machineBridgeBefore, machineBridgeAfter, "starting and restarting the private engine must leave the machine engine's docker0 as it was (same interface, not deleted and re-made)");
        CollectionAssert.Contains(new[] { "GBX1002", "GBX1006" }, error.Code, error.Message);
        Assert.AreEqual(0, after.ExitCode, after.Stderr.Text);
        Assert.AreEqual("back\n", after.Stdout.Text);
        var records = File.ReadLines(audit).Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToArray();
        Assert.AreEqual("failed", records.First(r => r.GetProperty("status").GetString() != "started").GetProperty("status").GetString());
        Assert.IsEmpty(AuditRuns.Read(audit).Open, "every started run has its ending");
        Assert.IsTrue(AuditVerifier.Verify(audit).IsIntact);
        using var client = await EngineConnection.ConnectAsync(new Uri(engine.DockerHost), TestContext.CancellationToken);
        var left = await client.Client.Containers.ListContainersAsync(new ContainersListParameters { All = true }, TestContext.CancellationToken);
        Assert.IsEmpty(left, "nothing may be left on the restarted engine: " + string.Join(", ", left.Select(c => c.ID[..12] + " " + c.State)));
    }

    /// <summary>Signals the first output, i.e. that the command runs.</summary>
    private sealed class FirstOutputSink : IOutputSink
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Started => _started.Task;

        public ValueTask WriteAsync(OutputStreamKind stream, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            _started.TrySetResult();
            return ValueTask.CompletedTask;
        }
    }
}
