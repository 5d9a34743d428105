using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Cli.Commands;

/// <summary>
/// What an executor's own failure does to a hook, wherever it is found (the hook's run, or the thin
/// client that lost its service): exit 2 with the coded reason, which Claude Code takes as "block", or,
/// with <c>--on-error allow</c>, exit 0 with a warning. No command-line types: the thin client uses it.
/// </summary>
internal static class HookFailure
{
    public const int Block = 2;

    public const string BlockWord = "block";

    public const string AllowWord = "allow";

    public static int Report(Diagnostic reason, bool allow, TextWriter messages)
    {
        if (allow)
        {
            messages.WriteLine("gadugi-exec: " + Diagnostic.Create(nameof(DiagnosticMessages.HookAllowedAfterFailure), reason.ToString()));
            return 0;
        }

        messages.WriteLine("gadugi-exec: error " + reason);
        return Block;
    }
}
