using System.Runtime.InteropServices;

namespace Gadugi.BuildExec.Cli.Run;

/// <summary>The signals <c>gadugi-exec run</c> forwards to the command, with their Linux numbers.</summary>
internal static class ForwardedSignals
{
    public static readonly (PosixSignal Signal, int Number)[] All =
    [
        (PosixSignal.SIGINT, 2),
        (PosixSignal.SIGTERM, 15),
        (PosixSignal.SIGHUP, 1),
        (PosixSignal.SIGQUIT, 3),
    ];
}
