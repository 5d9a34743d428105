using Gadugi.BuildExec.Core.Execution;

namespace Gadugi.BuildExec.Cli.Run;

/// <summary>The terminal's size as the executor takes it (apart from HostTerminal.cs, which the native client links and which must not need Core).</summary>
internal static partial class HostTerminal
{
    /// <summary><see cref="Dimensions"/> as the executor's type.</summary>
    public static TerminalSize Size() => Dimensions() is var (columns, rows) ? new TerminalSize(columns, rows) : new TerminalSize(80, 24);
}
