using System.Globalization;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Tasks;

/// <summary>The task parameters that decide what runs, as plain values (what <see cref="ContainerExecRequest"/> maps).</summary>
public sealed record ContainerExecSettings
{
    public string? Command { get; init; }

    public IReadOnlyList<string>? Arguments { get; init; }

    public string? Policy { get; init; }

    public string? PolicyFile { get; init; }

    public string? Image { get; init; }

    public string? WorkingDirectory { get; init; }

    public string? InputDirectory { get; init; }

    public string? OutputDirectory { get; init; }

    public string? Timeout { get; init; }

    public IReadOnlyList<string>? EnvironmentVariables { get; init; }

    public string? Memory { get; init; }

    public string? Cpus { get; init; }

    public string? Network { get; init; }

    public bool AllowHomeDirectory { get; init; }
}

/// <summary>
/// Maps <see cref="ContainerExec"/>'s parameters to an <see cref="ExecutionRequest"/>. Pure apart from
/// reading the policy file through the given loader; every invalid value is a coded
/// <see cref="GadugiException"/> naming the parameter and what it allows.
/// </summary>
public static class ContainerExecRequest
{
    public const string DefaultPolicy = PolicyDefaults.DefaultPolicyName;

    public static ExecutionRequest Build(ContainerExecSettings settings, string projectDirectory, Func<string, PolicySet>? loadPolicies = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        loadPolicies ??= PolicyFileLoader.LoadFile;
        var command = Argv(settings);
        var policySet = string.IsNullOrWhiteSpace(settings.PolicyFile)
            ? PolicySet.BuiltInOnly
            : loadPolicies(Resolve(projectDirectory, settings.PolicyFile)!);
        var policy = policySet.Resolve(string.IsNullOrWhiteSpace(settings.Policy) ? DefaultPolicy : settings.Policy.Trim());
        policy = ApplyOverrides(policy, settings);

        return new ExecutionRequest
        {
            Command = command,
            Policy = policy,
            WorkingDirectory = Resolve(projectDirectory, settings.WorkingDirectory) ?? projectDirectory,
            InputDirectory = Resolve(projectDirectory, settings.InputDirectory),
            OutputDirectory = Resolve(projectDirectory, settings.OutputDirectory),
            Environment = ParseEnvironment(settings.EnvironmentVariables),
            AllowHomeDirectory = settings.AllowHomeDirectory,
            Caller = "msbuild",
        };
    }

    /// <summary>Command → bash -c; Arguments → argv as given. Exactly one of them.</summary>
    public static IReadOnlyList<string> Argv(ContainerExecSettings settings)
    {
        var hasCommand = !string.IsNullOrWhiteSpace(settings.Command);
        var hasArguments = settings.Arguments is { Count: > 0 };
        if (hasCommand == hasArguments)
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.TaskCommandMissing), hasCommand ? "both" : "neither"));
        }

        return hasCommand ? ["bash", "-c", settings.Command!] : settings.Arguments!.ToArray();
    }

    /// <summary>Exec's Timeout is milliseconds; a duration with a unit (90s, 30m) is accepted too.</summary>
    public static TimeSpan? ParseTimeout(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var trimmed = text.Trim();
        TimeSpan? timeout = long.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds)
            ? TimeSpan.FromMilliseconds(milliseconds)
            : PolicyValueParser.ParseDuration(trimmed);
        return timeout is { } t && t > TimeSpan.Zero && t <= TimeSpan.FromHours(24)
            ? t
            : throw InvalidParameter("Timeout", text, "milliseconds (as Exec's Timeout) or " + PolicyValueParser.DurationAllowed + ", greater than 0 and at most 24h");
    }

    private static SandboxPolicy ApplyOverrides(SandboxPolicy policy, ContainerExecSettings settings)
    {
        if (!string.IsNullOrWhiteSpace(settings.Image))
        {
            var image = settings.Image.Trim();
            policy = image.Any(char.IsWhiteSpace)
                ? throw InvalidParameter("Image", settings.Image, "an image reference without spaces, e.g. \"gadugi/dotnet-sdk:10.0.100\"")
                : policy with { Image = image };
        }

        if (ParseTimeout(settings.Timeout) is { } timeout)
        {
            policy = policy with { Timeout = timeout };
        }

        if (!string.IsNullOrWhiteSpace(settings.Memory))
        {
            policy = PolicyValueParser.ParseSize(settings.Memory) is { } bytes && bytes >= 6L * 1024 * 1024
                ? policy with { MemoryBytes = bytes }
                : throw InvalidParameter("Memory", settings.Memory, PolicyValueParser.SizeAllowed + ", at least 6m");
        }

        if (!string.IsNullOrWhiteSpace(settings.Cpus))
        {
            policy = PolicyValueParser.ParseCpus(settings.Cpus) is { } cpus
                ? policy with { Cpus = cpus }
                : throw InvalidParameter("Cpus", settings.Cpus, PolicyValueParser.CpusAllowed);
        }

        if (!string.IsNullOrWhiteSpace(settings.Network))
        {
            policy = settings.Network.Trim() switch
            {
                "none" => policy with { Network = NetworkPolicy.None },
                "bridge" => policy with { Network = NetworkPolicy.Bridge },
                _ => throw InvalidParameter("Network", settings.Network, "\"none\" or \"bridge\" (allowlists are set in a policy file)"),
            };
        }

        return policy;
    }

    /// <summary>NAME=VALUE entries (Exec's EnvironmentVariables); the last of a repeated name wins.</summary>
    public static IReadOnlyDictionary<string, string> ParseEnvironment(IReadOnlyList<string>? entries)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in entries ?? [])
        {
            if (string.IsNullOrWhiteSpace(entry))
            {
                continue;
            }

            var equals = entry.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? entry.Trim() : entry[..equals].Trim();
            if (equals < 0 || !PolicyValueParser.IsEnvironmentName(name))
            {
                throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.TaskEnvironmentEntryInvalid), entry));
            }

            environment[name] = entry[(equals + 1)..];
        }

        return environment;
    }

    private static string? Resolve(string baseDirectory, string? path) =>
        string.IsNullOrWhiteSpace(path) ? null : Path.TrimEndingDirectorySeparator(Path.GetFullPath(path.Trim(), baseDirectory));

    private static GadugiException InvalidParameter(string parameter, string value, string allowed) =>
        new(Diagnostic.Create(nameof(DiagnosticMessages.TaskParameterInvalid), parameter, value, allowed));
}
