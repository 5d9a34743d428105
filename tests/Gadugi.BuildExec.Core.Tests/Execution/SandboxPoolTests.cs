using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Execution.Pool;
using Gadugi.BuildExec.Core.Policies;
using Gadugi.BuildExec.Testing;

namespace Gadugi.BuildExec.Core.Tests.Execution;

/// <summary>
/// The pool's bookkeeping with a scripted engine (the real engine's guarantees are PoolTests'): a prepared
/// sandbox serves one run, whose id it gives; requests that differ, or cannot be pooled, are never served
/// one; the pool is bounded, drains when idle and on disposal, and leaves nothing.
/// </summary>
[TestClass]
public sealed class SandboxPoolTests
{
    [TestMethod]
    public async Task A_prepared_sandbox_serves_exactly_one_run_which_takes_its_execution_id()
    {
        using var workspace = Workspace();
        var engine = new FakeSandboxEngine(new FakeScript { ExitCode = 0 });
        var pool = new SandboxPool(2, TimeSpan.FromMinutes(5));
        await using (var executor = Executor(engine, pool))
        {
            var cold = await executor.RunAsync(Request(workspace.Path));
            var pooled = await executor.RunAsync(Request(workspace.Path));
            var next = await executor.RunAsync(Request(workspace.Path));
            await ReadyAsync(pool);

            Assert.IsFalse(cold.Pooled);
            Assert.IsTrue(pooled.Pooled);
            Assert.IsTrue(next.Pooled);
            Assert.AreEqual(3, new[] { cold.ContainerId, pooled.ContainerId, next.ContainerId }.Distinct().Count(), "each run its own sandbox");
            var prepared = engine.Calls.Count(call => call.StartsWith("create", StringComparison.Ordinal));
            Assert.AreEqual(5, prepared, "one cold sandbox, two prepared after it (one and a spare), and one more after each pooled run: " + string.Join("; ", engine.Calls));
            Assert.AreEqual(2, pool.Status().Count, "the pool holds its size for the one key in use");
            Assert.AreNotEqual(cold.ExecutionId, pooled.ExecutionId);
        }

        await pool.DisposeAsync();
        Assert.AreEqual(0, engine.Alive, "disposing the pool removed the prepared sandbox: " + string.Join("; ", engine.Calls));
        Assert.IsEmpty(pool.Status());
    }

    [TestMethod]
    public async Task Requests_that_differ_or_cannot_be_pooled_are_never_served_a_prepared_sandbox()
    {
        using var workspace = Workspace();
        using var other = Workspace();
        var engine = new FakeSandboxEngine(new FakeScript { ExitCode = 0 });
        await using var pool = new SandboxPool(4, TimeSpan.FromMinutes(5));
        await using var executor = Executor(engine, pool);

        _ = await executor.RunAsync(Request(workspace.Path));
        var otherDirectory = await executor.RunAsync(Request(other.Path));
        var otherEnvironment = await executor.RunAsync(Request(workspace.Path) with { Environment = new Dictionary<string, string> { ["CI"] = "1" }, Policy = Policy() with { EnvAllowlist = ["CI"] } });
        var otherMemory = await executor.RunAsync(Request(workspace.Path) with { Policy = Policy() with { MemoryBytes = 128L * 1024 * 1024 } });
        var chosenId = await executor.RunAsync(Request(workspace.Path) with { ExecutionId = "0123456789ab" });
        var writable = await executor.RunAsync(Request(workspace.Path) with { Policy = Policy() with { Workspace = WorkspaceAccess.ReadWrite } });

        foreach (var result in new[] { otherDirectory, otherEnvironment, otherMemory, chosenId, writable })
        {
            Assert.IsFalse(result.Pooled, result.ExecutionId);
        }

        Assert.AreEqual("0123456789ab", chosenId.ExecutionId);
        Assert.IsTrue(pool.Status().Count <= pool.Size, "bounded");

        // The control: the same request again is served from the pool.
        var again = await executor.RunAsync(Request(workspace.Path) with { Policy = Policy() with { MemoryBytes = 128L * 1024 * 1024 } });
        Assert.IsTrue(again.Pooled);
    }

    [TestMethod]
    public async Task Spares_fill_only_free_room_so_a_second_key_keeps_a_prepared_sandbox_beside_the_first()
    {
        using var workspace = Workspace();
        using var other = Workspace();
        var engine = new FakeSandboxEngine(new FakeScript { ExitCode = 0 });
        await using var pool = new SandboxPool(2, TimeSpan.FromMinutes(5));
        await using var executor = Executor(engine, pool);

        _ = await executor.RunAsync(Request(workspace.Path));
        await ReadyAsync(pool);
        var firstKey = pool.Status().Select(sandbox => sandbox.Key).Distinct().Single();
        Assert.AreEqual(2, pool.Status().Count, "one key in use: a prepared sandbox and a spare");

        _ = await executor.RunAsync(Request(other.Path));
        await ReadyAsync(pool);

        var keys = pool.Status().Select(sandbox => sandbox.Key).ToList();
        Assert.AreEqual(2, keys.Count, "bounded by the size");
        Assert.AreEqual(1, keys.Count(key => key == firstKey), "the first key keeps one: " + string.Join(", ", keys));
        Assert.IsTrue((await executor.RunAsync(Request(workspace.Path))).Pooled, "and the first key's next run is served from it");
    }

    [TestMethod]
    public async Task An_unused_prepared_sandbox_is_removed_after_the_idle_time()
    {
        using var workspace = Workspace();
        var engine = new FakeSandboxEngine(new FakeScript { ExitCode = 0 });
        await using var pool = new SandboxPool(2, TimeSpan.FromSeconds(3));
        await using var executor = Executor(engine, pool);

        _ = await executor.RunAsync(Request(workspace.Path));
        await ReadyAsync(pool);
        for (var i = 0; i < 300 && (engine.Alive > 0 || pool.Status().Count > 0); i++)
        {
            await Task.Delay(50);
        }

        Assert.AreEqual(3, engine.Calls.Count(call => call.StartsWith("create", StringComparison.Ordinal)), "the run's sandbox and the two prepared after it: " + string.Join("; ", engine.Calls));
        Assert.AreEqual(0, engine.Alive, string.Join("; ", engine.Calls));
        Assert.IsEmpty(pool.Status());
    }

    /// <summary>Waits for the replacement the last run started preparing in the background.</summary>
    private static async Task ReadyAsync(SandboxPool pool)
    {
        for (var i = 0; i < 600 && !pool.Status().All(sandbox => sandbox.Ready); i++)
        {
            await Task.Delay(50);
        }
    }

    private static SandboxExecutor Executor(FakeSandboxEngine engine, SandboxPool pool) =>
        new(new ExecutorOptions { Engine = engine, AuditLogPath = null, ReapStaleContainers = false, Pool = pool });

    private static SandboxPolicy Policy() => PolicyDefaults.BuiltIn["shell"];

    private static ExecutionRequest Request(string workspace) => new() { Command = ["true"], Policy = Policy(), WorkingDirectory = workspace };

    private static TempDirectory Workspace()
    {
        var directory = new TempDirectory();
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory.Path, (UnixFileMode)0x1ED);
        }

        return directory;
    }
}
