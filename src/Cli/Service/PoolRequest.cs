namespace Gadugi.BuildExec.Cli.Service;

/// <summary>
/// The <c>pool</c> command lines the running service answers (<c>pool status|drain [--json]</c>); help and
/// anything else runs in the caller's process. Here, not in <c>PoolCommand</c>: the thin client must not
/// load the command-line library to ask.
/// </summary>
internal static class PoolRequest
{
    public static bool ServiceAnswers(IReadOnlyList<string> args) =>
        args is [Commands.PoolCommand.Name, "status" or "drain"] or [Commands.PoolCommand.Name, "status" or "drain", "--json"];
}
