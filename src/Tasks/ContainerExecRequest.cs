using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Policies;
using Gadugi.BuildExec.Core.Requests;
using Gadugi.BuildExec.Tasks.Resources;

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
/// Maps <see cref="ContainerExec"/>'s parameters to an <see cref="ExecutionRequest"/> through the one
/// request factory (<see cref="ExecutionRequests"/>), in MSBuild's terms: every invalid value is a
/// coded <see cref="GadugiException"/> naming the parameter and what it allows (GBX4006–GBX4008).
/// </summary>
public static class ContainerExecRequest
{
    public const string DefaultPolicy = PolicyDefaults.DefaultPolicyName;

    /// <summary>ContainerExec's conventions: parameter names as written in the project, Exec's millisecond timeouts, GBX4007/GBX4008.</summary>
    public static CallerConventions Conventions { get; } = new()
    {
        Caller = "msbuild",
        ParameterName = name => name == "Environment" ? "EnvironmentVariables" : name,
        InvalidParameter = InvalidParameter,
        InvalidEnvironmentEntry = entry => new GadugiException(Diagnostic.Create(TaskMessages.ResourceManager, nameof(TaskMessages.TaskEnvironmentEntryInvalid), entry)),
        TimeoutMayBeMilliseconds = true,
        SkipBlankEnvironmentEntries = true,
    };

    public static ExecutionRequest Build(ContainerExecSettings settings, string projectDirectory, Func<string, PolicySet>? loadPolicies = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return ExecutionRequests.Create(
            new RunSettings
            {
                Caller = Conventions,
                Command = Argv(settings),
                Policy = settings.Policy,
                PolicyFile = settings.PolicyFile,
                BaseDirectory = projectDirectory,
                WorkingDirectory = settings.WorkingDirectory,
                InputDirectory = settings.InputDirectory,
                OutputDirectory = settings.OutputDirectory,
                Overrides = new PolicyOverrides { Image = settings.Image, Timeout = settings.Timeout, Memory = settings.Memory, Cpus = settings.Cpus, Network = settings.Network },
                Environment = settings.EnvironmentVariables ?? [],
                AllowHomeDirectory = settings.AllowHomeDirectory,
            },
            loadPolicies);
    }

    /// <summary>Command → bash -c; Arguments → argv as given. Exactly one of them.</summary>
    public static IReadOnlyList<string> Argv(ContainerExecSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var hasCommand = !string.IsNullOrWhiteSpace(settings.Command);
        var hasArguments = settings.Arguments is { Count: > 0 };
        if (hasCommand == hasArguments)
        {
            throw new GadugiException(Diagnostic.Create(TaskMessages.ResourceManager, nameof(TaskMessages.TaskCommandMissing), hasCommand ? "both" : "neither"));
        }

        return hasCommand ? ["bash", "-c", settings.Command!] : settings.Arguments!.ToArray();
    }

    /// <summary>Exec's Timeout is milliseconds; a duration with a unit (90s, 30m) is accepted too.</summary>
    public static TimeSpan? ParseTimeout(string? text) =>
        string.IsNullOrWhiteSpace(text)
            ? null
            : PolicyOverrides.ParseTimeout(text, millisecondsAllowed: true)
                ?? throw InvalidParameter("Timeout", text, "milliseconds (as Exec's Timeout) or " + PolicyValueParser.DurationAllowed + ", greater than 0 and at most 24h");

    /// <summary>NAME=VALUE entries (Exec's EnvironmentVariables); the last of a repeated name wins.</summary>
    public static IReadOnlyDictionary<string, string> ParseEnvironment(IReadOnlyList<string>? entries) =>
        ExecutionRequests.ParseEnvironment(entries ?? [], Conventions);

    private static GadugiException InvalidParameter(string parameter, string value, string allowed) =>
        new(Diagnostic.Create(TaskMessages.ResourceManager, nameof(TaskMessages.TaskParameterInvalid), parameter, value, allowed));
}
