namespace Gadugi.BuildExec.Core.Execution.Sandbox;

/// <summary>
/// Connects a request's <see cref="CommandControl"/> to its running command: each signal goes to the
/// command's process group; the first also starts the stop timeout, after which the sandbox is killed
/// (<see cref="KillReason.Cancelled"/>) if the command has not ended by then, as <c>docker stop</c> does.
/// </summary>
internal sealed class SignalForwarder : IDisposable
{
    private static readonly TimeSpan EngineCallLimit = TimeSpan.FromSeconds(10);
    private readonly ISandboxProcess _process;
    private readonly KillSwitch _killSwitch;
    private readonly TimeSpan _stopTimeout;
    private readonly IDisposable _attachment;
    private readonly CancellationTokenSource _ended = new();
    private int _graceStarted;

    private SignalForwarder(CommandControl control, ISandboxProcess process, KillSwitch killSwitch)
    {
        _process = process;
        _killSwitch = killSwitch;
        _stopTimeout = control.StopTimeout;
        _attachment = control.Attach(ForwardAsync, ResizeAsync);
    }

    public static IDisposable Attach(CommandControl? control, ISandboxProcess process, KillSwitch killSwitch) =>
        control is null ? NoControl.Instance : new SignalForwarder(control, process, killSwitch);

    public void Dispose()
    {
        _attachment.Dispose();
        _ended.Cancel();
        _ended.Dispose();
    }

    private async Task ForwardAsync(int signal)
    {
        if (Interlocked.Exchange(ref _graceStarted, 1) == 0)
        {
            _ = KillAfterGraceAsync();
        }

        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(_ended.Token);
            limit.CancelAfter(EngineCallLimit);
            await _process.SignalAsync(signal, limit.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SandboxEngineException or OperationCanceledException or ObjectDisposedException)
        {
            // The command ended meanwhile, or the engine could not deliver: the stop timeout still ends it.
        }
    }

    private async Task KillAfterGraceAsync()
    {
        try
        {
            await Task.Delay(_stopTimeout, _ended.Token).ConfigureAwait(false);
            _killSwitch.Trigger(KillReason.Cancelled);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            // The command ended within the stop timeout.
        }
    }

    private async Task ResizeAsync(TerminalSize size)
    {
        try
        {
            using var limit = new CancellationTokenSource(EngineCallLimit);
            await _process.ResizeAsync(size, limit.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SandboxEngineException or OperationCanceledException or ObjectDisposedException)
        {
            // A resize that comes as the command ends has nothing left to resize.
        }
    }

    private sealed class NoControl : IDisposable
    {
        public static readonly NoControl Instance = new();

        public void Dispose()
        {
        }
    }
}
