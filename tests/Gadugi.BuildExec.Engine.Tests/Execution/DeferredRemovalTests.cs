using System.Reflection;
using Docker.DotNet;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Core.Engine.Docker;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Execution.Pool;
using Gadugi.BuildExec.Core.Policies;
using Gadugi.BuildExec.Engine.Tests.Support;

namespace Gadugi.BuildExec.Engine.Tests.Execution;

/// <summary>
/// <see cref="ExecutorOptions.RemoveAfterAnswer"/> on the real engine: RunAsync returns once the run's
/// sandbox is frozen, so what the command left running can do nothing more (not even write into an rw
/// workspace); pooled runs stay single-use; a cancelled run and a disposed executor leave nothing.
/// </summary>
[TestClass]
public sealed class DeferredRemovalTests
{
    private string _root = string.Empty;
    private string _workspace = string.Empty;

    [TestInitialize]
    public void CreateWorkspace()
    {
        _root = Directory.CreateTempSubdirectory("gadugi-deferred-test-").FullName;
        File.SetUnixFileMode(_root, (UnixFileMode)0x1ED);
        _workspace = Directory.CreateDirectory(Path.Combine(_root, "workspace")).FullName;

        // The sandbox user (uid 10001) writes here: an rw workspace of another owner.
        File.SetUnixFileMode(_workspace, (UnixFileMode)0x1FF);
    }

    [TestCleanup]
    public void DeleteWorkspace() => Directory.Delete(_root, recursive: true);

    [TestMethod]
    public async Task A_process_the_command_left_running_does_nothing_more_once_RunAsync_returned()
    {
        var late = Path.Combine(_workspace, "late");
        var ids = new List<string>();

        // The real engine, removing as slowly as it does under load: the freeze (or a removal before the
        // answer), not a quick removal after it, must stop the leftovers.
        await using var engine = await SandboxEngines.ConnectAsync();
        await using (var executor = new SandboxExecutor(new ExecutorOptions { AuditLogPath = Path.Combine(_root, "audit.jsonl"), RemoveAfterAnswer = true, Engine = SlowRemoval.Wrap(engine, TimeSpan.FromMilliseconds(500)) }))
        {
            // A writable workspace: the leftover appends to it without pause for as long as it runs.
            var writable = Sandbox.Shell with { Workspace = WorkspaceAccess.ReadWrite };
            var writer = await executor.RunAsync(Request(writable, "sh", "-c", "(while :; do echo x >> /workspace/late; done) >/dev/null 2>&1 & sleep 0.3; exit 0"));
            var atAnswer = new FileInfo(late).Length;
            var writerState = await StateAsync(writer.ContainerId!);

            // A sealed sandbox (read-only workspace, no network): its leftover spins, and the sandbox is frozen at the answer.
            var spinner = await executor.RunAsync(Request(Sandbox.Shell, "sh", "-c", "(while :; do :; done) >/dev/null 2>&1 & sleep 0.3; exit 0"));
            var spinnerState = await StateAsync(spinner.ContainerId!);
            ids.AddRange([writer.ExecutionId, spinner.ExecutionId]);

            Assert.AreEqual(0, writer.ExitCode, writer.Stderr.Text);
            Assert.AreEqual(0, spinner.ExitCode, spinner.Stderr.Text);
            Assert.IsGreaterThan(0L, atAnswer, "the leftover process ran while the command did");
            Assert.IsFalse(File.Exists(Path.Combine(_workspace, ".gitmodules")), "the protection's placeholders are gone when RunAsync returns");
            await Task.Delay(TimeSpan.FromSeconds(1));
            Assert.AreEqual(atAnswer, new FileInfo(late).Length, "the command's leftover wrote into the workspace after RunAsync returned");
            Assert.IsNull(writerState, "a sandbox that can write to the host is removed before RunAsync returns");
            Assert.AreEqual("paused", spinnerState, "a sealed sandbox is frozen when RunAsync returns, and removed after");
        }

        foreach (var id in ids)
        {
            await SandboxHarness.AssertNothingLeftAsync(id);
        }
    }

    [TestMethod]
    public async Task A_pooled_run_sees_nothing_the_run_before_left_and_a_disposed_executor_leaves_nothing()
    {
        var ids = new List<string>();
        await using (var pool = new SandboxPool(1, TimeSpan.FromMinutes(5)))
        await using (var executor = Executor(pool))
        {
            var first = await executor.RunAsync(Request(Sandbox.Shell, "sh", "-c", "echo left > /tmp/left-behind; sleep 4321 >/dev/null 2>&1 & echo done"));
            var second = await executor.RunAsync(Request(Sandbox.Shell, "sh", "-c", "ls -a /tmp; cat /proc/[0-9]*/cmdline | tr '\\0' ' '"));
            ids.AddRange([first.ExecutionId, second.ExecutionId]);

            Assert.AreEqual(0, first.ExitCode, first.Stderr.Text);
            Assert.AreEqual(0, second.ExitCode, second.Stderr.Text);
            Assert.IsTrue(second.Pooled, "the second run took the sandbox prepared after the first");
            Assert.AreNotEqual(first.ContainerId, second.ContainerId);
            Assert.DoesNotContain("left-behind", second.Stdout.Text, "run N's file in /tmp reached run N+1");
            Assert.DoesNotContain("4321", second.Stdout.Text, "run N's background process reached run N+1");
            Assert.AreEqual(Sandbox.Shell.MemoryBytes, second.Limits!.MemoryBytes, "the pooled run's limits were read back from the engine");

            // More runs at once, then the executor is disposed at once: it waits for their removals.
            var more = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => executor.RunAsync(Request(Sandbox.Shell, "true"))));
            ids.AddRange(more.Select(result => result.ExecutionId));
        }

        foreach (var id in ids)
        {
            await SandboxHarness.AssertNothingLeftAsync(id);
        }
    }

    [TestMethod]
    public async Task A_cancelled_run_leaves_nothing()
    {
        await using var executor = Executor(pool: null);
        using var cancel = new CancellationTokenSource();
        var sink = new TextSink();
        var running = executor.RunAsync(Request(Sandbox.Shell, "sh", "-c", "echo up; sleep 60") with { Output = sink }, cancel.Token);
        while (!sink.Stdout.Contains("up", StringComparison.Ordinal) && !running.IsCompleted)
        {
            await Task.Delay(50);
        }

        await cancel.CancelAsync();
        var result = await running;

        Assert.AreEqual(KillReason.Cancelled, result.KillReason);
        await SandboxHarness.AssertNothingLeftAsync(result.ExecutionId);
    }

    private SandboxExecutor Executor(SandboxPool? pool) =>
        new(new ExecutorOptions { AuditLogPath = Path.Combine(_root, "audit.jsonl"), RemoveAfterAnswer = true, Pool = pool });

    private ExecutionRequest Request(SandboxPolicy policy, params string[] command) =>
        new() { Command = command, Policy = policy, WorkingDirectory = _workspace };

    /// <summary>An engine whose removals start <c>delay</c> late, as a loaded engine's do; every call goes to the real one.</summary>
    public class SlowRemoval : DispatchProxy
    {
        private ISandboxEngine _inner = null!;
        private TimeSpan _delay;

        public static ISandboxEngine Wrap(ISandboxEngine inner, TimeSpan delay)
        {
            var proxy = Create<ISandboxEngine, SlowRemoval>();
            var slow = (SlowRemoval)(object)proxy;
            (slow._inner, slow._delay) = (inner, delay);
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            return targetMethod.Name == nameof(ISandboxEngine.RemoveAsync)
                ? RemoveLaterAsync((string)args![0]!, (CancellationToken)args[1]!)
                : targetMethod.Invoke(_inner, args);
        }

        private async Task RemoveLaterAsync(string sandboxId, CancellationToken cancellationToken)
        {
            await Task.Delay(_delay, cancellationToken);
            await _inner.RemoveAsync(sandboxId, cancellationToken);
        }
    }

    /// <summary>The container's state ("running", "paused", …), or null when it is gone.</summary>
    private static async Task<string?> StateAsync(string containerId)
    {
        using var engine = await EngineConnection.ConnectAsync();
        try
        {
            return (await engine.Client.Containers.InspectContainerAsync(containerId)).State?.Status;
        }
        catch (DockerContainerNotFoundException)
        {
            return null;
        }
    }
}
