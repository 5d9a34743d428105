using System.Globalization;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Requests;

namespace Gadugi.BuildExec.Core.Policies;

/// <summary>
/// Per-run overrides from a caller (CLI flags, MSBuild task parameters), parsed as strictly as the
/// file; an invalid value is a coded error naming the parameter as the caller names it.
/// </summary>
public sealed record PolicyOverrides
{
    public string? Image { get; init; }

    public string? Timeout { get; init; }

    public string? Memory { get; init; }

    public string? Cpus { get; init; }

    public string? Network { get; init; }

    /// <summary>Applies the overrides, naming parameters as the command line does (GBX2011).</summary>
    public SandboxPolicy ApplyTo(SandboxPolicy policy) => ApplyTo(policy, CallerConventions.CommandLine);

    public SandboxPolicy ApplyTo(SandboxPolicy policy, CallerConventions caller)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(caller);
        GadugiException Invalid(string parameter, string value, string allowed) => caller.InvalidParameter(caller.ParameterName(parameter), value, allowed);

        if (!string.IsNullOrWhiteSpace(Image))
        {
            var image = Image.Trim();
            policy = image.Any(char.IsWhiteSpace)
                ? throw Invalid(nameof(Image), Image, "an image reference without spaces, e.g. \"gadugi/dotnet-sdk:10.0.100\"")
                : policy with { Image = image };
        }

        if (!string.IsNullOrWhiteSpace(Timeout))
        {
            var allowed = caller.TimeoutMayBeMilliseconds
                ? "milliseconds (as Exec's Timeout) or " + PolicyValueParser.DurationAllowed + ", greater than 0 and at most 24h"
                : PolicyValueParser.DurationAllowed;
            policy = ParseTimeout(Timeout, caller.TimeoutMayBeMilliseconds) is { } timeout
                ? policy with { Timeout = timeout }
                : throw Invalid(nameof(Timeout), Timeout, allowed);
        }

        if (!string.IsNullOrWhiteSpace(Memory))
        {
            policy = PolicyValueParser.ParseSize(Memory) is { } bytes && bytes >= 6L * 1024 * 1024
                ? policy with { MemoryBytes = bytes }
                : throw Invalid(nameof(Memory), Memory, PolicyValueParser.SizeAllowed + ", at least 6m");
        }

        if (!string.IsNullOrWhiteSpace(Cpus))
        {
            policy = PolicyValueParser.ParseCpus(Cpus) is { } cpus
                ? policy with { Cpus = cpus }
                : throw Invalid(nameof(Cpus), Cpus, PolicyValueParser.CpusAllowed);
        }

        if (!string.IsNullOrWhiteSpace(Network))
        {
            policy = Network.Trim() switch
            {
                "none" => policy with { Network = NetworkPolicy.None },
                "bridge" => policy with { Network = NetworkPolicy.Bridge },
                _ => throw Invalid(nameof(Network), Network, "\"none\" or \"bridge\" (allowlists are set in a policy file)"),
            };
        }

        return policy;
    }

    /// <summary>A duration with a unit (90s, 30m), or plain milliseconds where allowed; greater than 0 and at most 24h, else null.</summary>
    public static TimeSpan? ParseTimeout(string text, bool millisecondsAllowed)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        TimeSpan? timeout = millisecondsAllowed && long.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds)
            ? TimeSpan.FromMilliseconds(milliseconds)
            : PolicyValueParser.ParseDuration(trimmed);
        return timeout is { } t && t > TimeSpan.Zero && t <= TimeSpan.FromHours(24) ? t : null;
    }
}
