namespace Gadugi.BuildExec.Core.Engine;

/// <summary>Usage read while the container's cgroup still exists, and whether the pids limit was hit.</summary>
public sealed record UsageSnapshot(ResourceUsage Usage, long? PidsLimitHits, ulong? PidsCurrent, ulong? PidsLimit)
{
    public static UsageSnapshot Unknown { get; } = new(ResourceUsage.Unknown, null, null, null);

    /// <summary>True when the kernel refused a fork at the limit, or the sandbox is at the limit now.</summary>
    public bool PidsLimitReached => PidsLimitHits > 0 || (PidsLimit is > 0 && PidsCurrent >= PidsLimit);

    /// <summary>
    /// Processes the kernel's OOM killer ended in the sandbox's cgroup ("oom_kill"), or null when unknown.
    /// The counter settles what the engine's "oom" event may report too late: a killed child of a
    /// command that still exits 0 leaves no exit code behind to wait for.
    /// </summary>
    public long? OomKills { get; init; }
}
