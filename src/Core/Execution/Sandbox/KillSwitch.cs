namespace Gadugi.BuildExec.Core.Execution.Sandbox;

/// <summary>
/// Stops a running sandbox exactly once, for the first reason given: it reads the resource usage
/// (the cgroup disappears with the container) and then kills the container, which ends every
/// process in it at once, including ones that ignore SIGTERM or daemonised themselves.
/// </summary>
internal sealed class KillSwitch(ISandboxEngine engine, string sandboxId, string user)
{
    private static readonly TimeSpan EngineCallLimit = TimeSpan.FromSeconds(10);
    private readonly TaskCompletionSource _fired = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _triggered;
    private Task _completion = Task.CompletedTask;

    public KillReason? Reason { get; private set; }

    public UsageSnapshot? UsageAtKill { get; private set; }

    /// <summary>Completes when a reason has been given.</summary>
    public Task Fired => _fired.Task;

    /// <summary>Completes when the kill attempt has finished (or at once if none was made).</summary>
    public Task Completion => Volatile.Read(ref _completion);

    public void Trigger(KillReason reason)
    {
        if (Interlocked.Exchange(ref _triggered, 1) != 0)
        {
            return;
        }

        Reason = reason;
        Volatile.Write(ref _completion, KillAsync());
        _fired.TrySetResult();
    }

    private async Task KillAsync()
    {
        using var limit = new CancellationTokenSource(EngineCallLimit);
        try
        {
            UsageAtKill = await engine.ReadUsageAsync(sandboxId, user, limit.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SandboxEngineException or OperationCanceledException)
        {
            UsageAtKill = null;
        }

        try
        {
            await engine.KillAsync(sandboxId, limit.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SandboxEngineException or OperationCanceledException)
        {
            // Already gone, or the engine is unreachable; removal in the run's cleanup covers both.
        }
    }
}
