using System.Runtime.InteropServices;

namespace Gadugi.BuildExec.Cli.Run;

/// <summary>
/// The signals a terminal or a supervisor sends to this <c>gadugi-exec run</c> process, handed to the
/// run's <see cref="RunSignalTarget"/> as a shell running the command would see them. This process does
/// not die of them: it exits as the command did.
/// </summary>
internal sealed class RunSignals : IRunSignals
{
    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly RunSignalTarget _target;

    public RunSignals(RunSignalTarget target, bool resizeTerminal)
    {
        _target = target;
        foreach (var (signal, number) in ForwardedSignals.All)
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                _target.Signal(number);
            }));
        }

        if (resizeTerminal && !OperatingSystem.IsWindows())
        {
            _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGWINCH, _ => _target.Resize(HostTerminal.Size())));
        }
    }

    public int? Received => _target.Received;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }
}
