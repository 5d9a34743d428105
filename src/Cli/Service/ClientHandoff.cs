namespace Gadugi.BuildExec.Cli.Service;

/// <summary>
/// What the native client (src/Client) tells this managed CLI when it execs it for a command line the
/// service did not serve: that the service was already tried, and why not (the notice to say). The exec
/// keeps the process id, the arguments, stdin and the terminal, so only this variable passes it on. The
/// managed CLI takes it out of its environment before anything else, so no sandbox or child sees it.
/// </summary>
internal static class ClientHandoff
{
    public const string Variable = "GADUGI_CLIENT_FALLBACK";

    /// <summary>The variable's value: the fallback's code, a newline, its detail (both empty for a silent one).</summary>
    public static string Encode(ServiceFallback fallback) => fallback.Code + "\n" + fallback.Detail;

    /// <summary>The fallback the native client handed over, removed from this process's environment; null when it handed none.</summary>
    public static ServiceFallback? Take()
    {
        var value = Environment.GetEnvironmentVariable(Variable);
        if (value is null)
        {
            return null;
        }

        Environment.SetEnvironmentVariable(Variable, null);
        var split = value.IndexOf('\n', StringComparison.Ordinal);
        return split <= 0 ? ServiceFallback.Quiet : new ServiceFallback(value[..split], value[(split + 1)..]);
    }
}
