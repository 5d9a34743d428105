using Gadugi.BuildExec.Core.Execution;

namespace Gadugi.BuildExec.Cli.Run;

/// <summary>
/// Where a signal sent to <c>gadugi-exec run</c> goes, whichever process received it: SIGINT, SIGTERM,
/// SIGHUP and SIGQUIT to the command's process group (its <c>trap</c> runs; the stop timeout then ends it),
/// or, before the command runs, a cancelled run; a new terminal size to the command's terminal.
/// </summary>
internal sealed class RunSignalTarget(CommandControl control, CancellationTokenSource cancel)
{
    private int _received;

    /// <summary>The first of the forwarded signals (a Linux number), or null.</summary>
    public int? Received => Volatile.Read(ref _received) is var number and not 0 ? number : null;

    public void Signal(int number)
    {
        Interlocked.CompareExchange(ref _received, number, 0);
        if (!control.TrySignal(number))
        {
            // No command runs yet (queued, or its sandbox is being set up): the run is cancelled, and
            // the sandbox, if one was created, is removed.
            try
            {
                cancel.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The run had ended already.
            }
        }
    }

    public void Resize(TerminalSize size) => control.Resize(size);
}

/// <summary>A registration of signal sources for one run; <see cref="Received"/> as the target saw them.</summary>
internal interface IRunSignals : IDisposable
{
    int? Received { get; }
}
