namespace Gadugi.BuildExec.Core.Requests;

/// <summary>
/// The one way a caller's words become an <see cref="ExecutionRequest"/>: the policy file is found and
/// loaded, the policy resolved and overridden, the environment parsed and the paths made absolute,
/// each invalid value a coded error in the caller's own terms (<see cref="CallerConventions"/>).
/// </summary>
public static class ExecutionRequests
{
    public const string PolicyFileVariable = "GADUGI_POLICY_FILE";

    public static ExecutionRequest Create(RunSettings settings, Func<string, PolicySet>? loadPolicies = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var caller = settings.Caller;
        return new ExecutionRequest
        {
            Command = settings.Command,
            Policy = ResolvePolicy(settings, loadPolicies),
            WorkingDirectory = Resolve(settings.BaseDirectory, settings.WorkingDirectory) ?? settings.BaseDirectory,
            InputDirectory = Resolve(settings.BaseDirectory, settings.InputDirectory),
            OutputDirectory = Resolve(settings.BaseDirectory, settings.OutputDirectory),
            Environment = ParseEnvironment(settings.Environment, caller),
            AllowHomeDirectory = settings.AllowHomeDirectory,
            StandardInput = settings.StandardInput,
            Output = settings.Output,
            Caller = caller.Caller,
        };
    }

    /// <summary>The policy the settings name, with their overrides and the caller's rules applied.</summary>
    public static SandboxPolicy ResolvePolicy(RunSettings settings, Func<string, PolicySet>? loadPolicies = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var policy = LoadPolicies(settings, loadPolicies).Resolve(string.IsNullOrWhiteSpace(settings.Policy) ? PolicyDefaults.DefaultPolicyName : settings.Policy.Trim());
        policy = settings.Overrides.ApplyTo(policy, settings.Caller);
        return settings.Caller.HonoursFallback ? policy : policy with { Fallback = FallbackMode.None };
    }

    /// <summary>The caller's own policies, the policy file's over the built-ins, or the built-ins alone.</summary>
    public static PolicySet LoadPolicies(RunSettings settings, Func<string, PolicySet>? loadPolicies = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Policies is { } given)
        {
            return given;
        }

        var file = !string.IsNullOrWhiteSpace(settings.PolicyFile)
            ? settings.PolicyFile
            : settings.Caller.PolicyFileFromEnvironment ? System.Environment.GetEnvironmentVariable(PolicyFileVariable) : null;
        return string.IsNullOrWhiteSpace(file)
            ? PolicySet.BuiltInOnly
            : (loadPolicies ?? PolicyFileLoader.LoadFile)(Resolve(settings.BaseDirectory, file)!);
    }

    /// <summary>NAME=VALUE entries (and NAME alone where the caller allows it); the last of a repeated name wins.</summary>
    public static IReadOnlyDictionary<string, string> ParseEnvironment(IReadOnlyList<string> entries, CallerConventions caller)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(caller);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            if (caller.SkipBlankEnvironmentEntries && string.IsNullOrWhiteSpace(entry))
            {
                continue;
            }

            var equals = entry.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? entry : entry[..equals];
            name = caller.SkipBlankEnvironmentEntries ? name.Trim() : name;
            if ((equals < 0 && !caller.EnvironmentNameCopiesValue) || !PolicyValueParser.IsEnvironmentName(name))
            {
                throw caller.InvalidEnvironmentEntry(entry);
            }

            environment[name] = equals < 0 ? System.Environment.GetEnvironmentVariable(name) ?? string.Empty : entry[(equals + 1)..];
        }

        return environment;
    }

    private static string? Resolve(string baseDirectory, string? path) =>
        string.IsNullOrWhiteSpace(path) ? null : Path.TrimEndingDirectorySeparator(Path.GetFullPath(path.Trim(), baseDirectory));
}
