using System.Runtime.InteropServices;
using Gadugi.BuildExec.Core.Execution;

namespace Gadugi.BuildExec.Cli.Run;

/// <summary>
/// The signals a terminal or a supervisor sends to <c>gadugi-exec run</c>, handled as a shell running the
/// command would see them: SIGINT, SIGTERM, SIGHUP and SIGQUIT go to the command's process group (its
/// <c>trap</c> runs; the stop timeout then ends it), or, before the command runs, cancel the run; SIGWINCH
/// resizes the command's terminal. This process does not die of them: it exits as the command did.
/// </summary>
internal sealed class RunSignals : IDisposable
{
    private static readonly (PosixSignal Signal, int Number)[] Forwarded =
    [
        (PosixSignal.SIGINT, 2),
        (PosixSignal.SIGTERM, 15),
        (PosixSignal.SIGHUP, 1),
        (PosixSignal.SIGQUIT, 3),
    ];

    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly CommandControl _control;
    private readonly CancellationTokenSource _cancel;
    private int _received;

    public RunSignals(CommandControl control, CancellationTokenSource cancel, bool resizeTerminal)
    {
        _control = control;
        _cancel = cancel;
        foreach (var (signal, number) in Forwarded)
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                OnSignal(number);
            }));
        }

        if (resizeTerminal && !OperatingSystem.IsWindows())
        {
            _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGWINCH, _ => _control.Resize(HostTerminal.Size())));
        }
    }

    /// <summary>The first of the forwarded signals this process received (a Linux number), or null.</summary>
    public int? Received => Volatile.Read(ref _received) is var number and not 0 ? number : null;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }

    private void OnSignal(int number)
    {
        Interlocked.CompareExchange(ref _received, number, 0);
        if (!_control.TrySignal(number))
        {
            // No command runs yet (queued, or its sandbox is being set up): the run is cancelled, and
            // the sandbox, if one was created, is removed.
            try
            {
                _cancel.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The run had ended already.
            }
        }
    }
}
