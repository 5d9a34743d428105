using Gadugi.BuildExec.Core.Execution;

namespace Gadugi.BuildExec.Core.Audit;

/// <summary>
/// One line of the audit log. <see cref="Prev"/> holds the SHA-256 of the previous line, so any
/// changed, removed or reordered record breaks the chain from that point on.
/// </summary>
public sealed record AuditRecord
{
    public long Seq { get; init; }

    public string Prev { get; init; } = AuditChain.GenesisHash;

    public required string Id { get; init; }

    public required DateTimeOffset Time { get; init; }

    public required AuditActor Who { get; init; }

    public required string Status { get; init; }

    public required AuditPolicy Policy { get; init; }

    public AuditImage? Image { get; init; }

    public IReadOnlyList<string> Argv { get; init; } = [];

    public string? Workdir { get; init; }

    public string? Input { get; init; }

    public string? Output { get; init; }

    /// <summary>Names only: values may be secrets.</summary>
    public IReadOnlyList<string> EnvNames { get; init; } = [];

    public bool Sandboxed { get; init; }

    public string? ContainerId { get; init; }

    public AppliedLimits? Limits { get; init; }

    public AuditOutcome? Result { get; init; }

    public ResourceUsage? Usage { get; init; }

    public IReadOnlyList<SecurityEvent> Events { get; init; } = [];

    public string? Error { get; init; }

    /// <summary>On <c>started</c> records: the owning process (boot id, PID namespace, pid, start time), so a sweep can tell when it died.</summary>
    public string? Owner { get; init; }

    /// <summary>The caller's tags (<see cref="Execution.ExecutionRequest.Tags"/>); absent when it gave none.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Tags { get; init; }
}

public sealed record AuditActor(string User, long Uid, string Host, int Pid, string Caller);

public sealed record AuditPolicy(string Name, string Source);

public sealed record AuditImage(string Reference, string? Id, IReadOnlyList<string> Digests);

public sealed record AuditOutcome(int ExitCode, int? Signal, KillReason? KillReason, long WallMs, long TotalMs, long QueueMs);

/// <summary>
/// Audit record status values. A sandboxed run writes <see cref="Started"/> once its sandbox exists
/// (before it starts) and one ending record after: completed, killed or failed; or, when its owner
/// died first, the sweep that removed its sandbox writes <see cref="Abandoned"/>. Denied and failed
/// requests that never had a sandbox write only their ending record.
/// </summary>
public static class AuditStatus
{
    public const string Started = "started";
    public const string Abandoned = "abandoned";
    public const string Completed = "completed";
    public const string Killed = "killed";
    public const string Denied = "denied";
    public const string Failed = "failed";
}
