namespace Gadugi.BuildExec.Cli.Service;

/// <summary>
/// The <c>pool</c> command lines the running service answers (<c>pool status|drain [--json]</c>); help and
/// anything else runs in the caller's process. Here, not in <c>PoolCommand</c>: the thin client must not
/// load the command-line library to ask.
/// </summary>
internal static class PoolRequest
{
    /// <summary>The command's name (<c>PoolCommand</c>'s too).</summary>
    public const string Name = "pool";

    public static bool ServiceAnswers(IReadOnlyList<string> args) =>
        args is [Name, "status" or "drain"] or [Name, "status" or "drain", "--json"];
}
