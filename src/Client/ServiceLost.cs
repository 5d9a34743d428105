namespace Gadugi.BuildExec.Cli.Service;

/// <summary>
/// The native client's counterpart of the managed CLI's ServiceLost (which reads the text through Core),
/// in the same words, read from Core's resource file.
/// </summary>
internal static class ServiceLost
{
    private const int HookBlock = 2;

    /// <summary>The service ended in the middle of a run (GBX7004): the command's outcome is unknown, so 125.</summary>
    public static int Report(Stream stderr)
    {
        Write(stderr, "error " + Core("ServiceLost"));
        return Client.ManagedCli.OwnFailure;
    }

    /// <summary>
    /// The service ended (GBX6060) or went silent (GBX6061) during a hook it had accepted: the hook made no
    /// decision, so it blocks (exit 2), or, with --on-error allow, goes ahead with the GBX6103 warning (0).
    /// </summary>
    public static int ReportHook(Stream stderr, HookAcceptance hook, TimeSpan? silence)
    {
        var reason = silence is { } limit
            ? Core("HookServiceSilent", hook.Command, limit.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture))
            : Core("HookServiceLost", hook.Command);
        try
        {
            Write(stderr, hook.Allow ? Core("HookAllowedAfterFailure", reason) : "error " + reason);
        }
        catch (IOException)
        {
            // No stderr to say it on: the verdict stands all the same.
        }

        return hook.Allow ? 0 : HookBlock;
    }

    private static string Core(string name, params object?[] args) => Client.Messages.Format(Client.Messages.Core, name, args);

    private static void Write(Stream stderr, string line) => stderr.Write(System.Text.Encoding.UTF8.GetBytes($"gadugi-exec: {line}\n"));
}
