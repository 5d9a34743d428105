using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Core.Policies;

/// <summary>Per-run overrides from a caller (CLI flags, MSBuild task parameters), parsed as strictly as the file.</summary>
public sealed record PolicyOverrides
{
    public string? Timeout { get; init; }

    public string? Memory { get; init; }

    public string? Cpus { get; init; }

    public string? Network { get; init; }

    public SandboxPolicy ApplyTo(SandboxPolicy policy)
    {
        if (Timeout is not null)
        {
            var timeout = PolicyValueParser.ParseDuration(Timeout);
            policy = timeout is { } t && t > TimeSpan.Zero && t <= TimeSpan.FromHours(24)
                ? policy with { Timeout = t }
                : throw Invalid("--timeout", Timeout, PolicyValueParser.DurationAllowed);
        }

        if (Memory is not null)
        {
            policy = PolicyValueParser.ParseSize(Memory) is { } bytes && bytes >= 6L * 1024 * 1024
                ? policy with { MemoryBytes = bytes }
                : throw Invalid("--memory", Memory, PolicyValueParser.SizeAllowed + ", at least 6m");
        }

        if (Cpus is not null)
        {
            policy = PolicyValueParser.ParseCpus(Cpus) is { } cpus
                ? policy with { Cpus = cpus }
                : throw Invalid("--cpus", Cpus, PolicyValueParser.CpusAllowed);
        }

        if (Network is not null)
        {
            policy = Network switch
            {
                "none" => policy with { Network = NetworkPolicy.None },
                "bridge" => policy with { Network = NetworkPolicy.Bridge },
                _ => throw Invalid("--network", Network, "\"none\" or \"bridge\" (allowlists are set in a policy file)"),
            };
        }

        return policy;
    }

    private static GadugiException Invalid(string option, string value, string allowed) =>
        new(Diagnostic.Create(nameof(DiagnosticMessages.InvalidOverride), option, value, allowed));
}
