using System.Text.Json.Serialization;

namespace Gadugi.BuildExec.Core.Execution;

/// <summary>Why the executor stopped a command before it finished on its own.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<KillReason>))]
public enum KillReason
{
    [JsonStringEnumMemberName("timeout")]
    Timeout,

    [JsonStringEnumMemberName("oom")]
    Oom,

    [JsonStringEnumMemberName("output_limit")]
    OutputLimit,

    [JsonStringEnumMemberName("cancelled")]
    Cancelled,
}

/// <summary>What happened to one execution.</summary>
public sealed record ExecutionResult
{
    public required string ExecutionId { get; init; }

    public required string Policy { get; init; }

    public int ExitCode { get; init; }

    /// <summary>The signal that ended the command, when it was killed by one.</summary>
    public int? Signal { get; init; }

    public KillReason? KillReason { get; init; }

    /// <summary>Time the command ran, from its start to its end.</summary>
    public TimeSpan WallTime { get; init; }

    /// <summary>Time from the request to the result, including queueing and container set-up and removal.</summary>
    public TimeSpan TotalTime { get; init; }

    public TimeSpan QueueTime { get; init; }

    /// <summary>Where the time went, phase by phase; null for a request refused before it ran.</summary>
    public RunPhases? Phases { get; init; }

    public ResourceUsage Usage { get; init; } = ResourceUsage.Unknown;

    public string? ContainerId { get; init; }

    public string? Image { get; init; }

    public string? ImageId { get; init; }

    public IReadOnlyList<string> ImageDigests { get; init; } = [];

    public string? Runtime { get; init; }

    public bool Sandboxed { get; init; }

    /// <summary>True when the command ran in a sandbox prepared ahead by the pool (<see cref="ExecutorOptions.Pool"/>), not one created for it.</summary>
    public bool Pooled { get; init; }

    public AppliedLimits? Limits { get; init; }

    public CapturedOutput Stdout { get; init; } = CapturedOutput.Empty;

    public CapturedOutput Stderr { get; init; } = CapturedOutput.Empty;

    public IReadOnlyList<SecurityEvent> Events { get; init; } = [];

    /// <summary>Files copied from /output to the caller's output directory (relative paths).</summary>
    public IReadOnlyList<string> OutputFiles { get; init; } = [];

    public string? AuditLog { get; init; }

    public long? AuditSequence { get; init; }

    /// <summary>SHA-256 of this execution's audit record line: its id in the hash chain.</summary>
    public string? AuditRecordHash { get; init; }

    [JsonIgnore]
    public bool Succeeded => ExitCode == 0 && KillReason is null;
}

/// <summary>Resources the command used, read from the engine before the container was removed.</summary>
public sealed record ResourceUsage(long? PeakMemoryBytes, TimeSpan? CpuTime, bool PeakMemoryIsExact)
{
    public static ResourceUsage Unknown { get; } = new(null, null, false);
}

/// <summary>A security-relevant event seen during an execution.</summary>
public sealed record SecurityEvent(string Kind, string Detail);

/// <summary>One output stream as kept in the result: head and tail, with a marker where bytes were dropped.</summary>
public sealed record CapturedOutput(string Text, long TotalBytes, bool Truncated)
{
    public static CapturedOutput Empty { get; } = new(string.Empty, 0, false);
}
