namespace Gadugi.BuildExec.Core.Requests;

/// <summary>
/// How one caller speaks: the names of its parameters in messages, the coded error for an invalid
/// value, and the few rules in which callers differ on purpose (Exec's millisecond timeouts, the
/// CLI's <c>--env NAME</c> and <c>$GADUGI_POLICY_FILE</c>).
/// </summary>
public sealed record CallerConventions
{
    /// <summary>Who asks, for the audit record: "cli", "msbuild", "action".</summary>
    public required string Caller { get; init; }

    /// <summary>The caller's name of a setting ("Timeout", "Memory", "Cpus", "Network", "Image", "Environment").</summary>
    public required Func<string, string> ParameterName { get; init; }

    /// <summary>The coded error for an invalid value: (parameter as the caller names it, value, what is allowed).</summary>
    public required Func<string, string, string, GadugiException> InvalidParameter { get; init; }

    /// <summary>The coded error for an environment entry that is not NAME=VALUE (or NAME, where allowed).</summary>
    public required Func<string, GadugiException> InvalidEnvironmentEntry { get; init; }

    /// <summary>A timeout without a unit is milliseconds (MSBuild's Exec); otherwise a unit is required.</summary>
    public bool TimeoutMayBeMilliseconds { get; init; }

    /// <summary>An environment entry NAME alone copies the caller's own value of NAME (the CLI's --env NAME).</summary>
    public bool EnvironmentNameCopiesValue { get; init; }

    /// <summary>Blank environment entries are skipped (MSBuild item lists), not refused.</summary>
    public bool SkipBlankEnvironmentEntries { get; init; }

    /// <summary>Without a policy file, <c>$GADUGI_POLICY_FILE</c> names one.</summary>
    public bool PolicyFileFromEnvironment { get; init; }

    /// <summary>
    /// A policy's <c>fallback: shell</c> may run a command unsandboxed when no engine answers. The Action
    /// says no: there it would run as root in the container that holds the token and the engine socket.
    /// </summary>
    public bool HonoursFallback { get; init; } = true;

    /// <summary>The command line: <c>--timeout</c>-style names, GBX2011.</summary>
    public static CallerConventions CommandLine { get; } = new()
    {
        Caller = "cli",
        ParameterName = name => "--" + name.ToLowerInvariant() switch { "environment" => "env", var other => other },
        InvalidParameter = (option, value, allowed) => new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.InvalidOverride), option, value, allowed)),
        InvalidEnvironmentEntry = entry => new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.InvalidOverride), "--env", entry, "NAME=VALUE or NAME, where NAME is letters, digits and '_'")),
        EnvironmentNameCopiesValue = true,
        PolicyFileFromEnvironment = true,
    };
}
