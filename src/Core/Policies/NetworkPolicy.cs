namespace Gadugi.BuildExec.Core.Policies;

public enum NetworkMode
{
    None,
    Bridge,
    Allowlist,
}

/// <summary>
/// Network access for one execution: none (default), bridge (egress as the engine allows), or an
/// allowlist of destinations enforced with firewall rules on a per-execution network.
/// </summary>
public sealed record NetworkPolicy(NetworkMode Mode, IReadOnlyList<NetworkDestination> Allow)
{
    public static NetworkPolicy None { get; } = new(NetworkMode.None, []);

    public static NetworkPolicy Bridge { get; } = new(NetworkMode.Bridge, []);

    public override string ToString() => Mode switch
    {
        NetworkMode.Allowlist => "allow[" + string.Join(", ", Allow) + "]",
        _ => Mode.ToString().ToLowerInvariant(),
    };

    public bool Equals(NetworkPolicy? other) =>
        other is not null && Mode == other.Mode && Allow.SequenceEqual(other.Allow);

    public override int GetHashCode() => HashCode.Combine(Mode, Allow.Count);
}

/// <summary>One allowlist entry: a host name or IP (optionally a CIDR) with an optional port.</summary>
public sealed record NetworkDestination(string Host, int? PrefixLength, int? Port)
{
    public override string ToString() =>
        Host + (PrefixLength is { } prefix ? "/" + prefix : string.Empty) + (Port is { } port ? ":" + port : string.Empty);
}
