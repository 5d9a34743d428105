using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gadugi.BuildExec.Core.Workflows;

/// <summary>
/// One line of a run's append-only journal, and the live event observers of a run receive. A step's
/// <c>step-started</c> entry (with its execution id) is written before its sandbox starts, so the
/// journal and the audit log can always be matched one to one.
/// </summary>
public sealed record JournalEntry
{
    public long Seq { get; init; }

    public DateTimeOffset Time { get; init; }

    /// <summary>One of <see cref="JournalKinds"/>.</summary>
    public required string Kind { get; init; }

    public string? Task { get; init; }

    public string? Phase { get; init; }

    public string? Step { get; init; }

    public string? ExecutionId { get; init; }

    /// <summary>passed, failed, interrupted, blocked, abandoned, error, or the run's end status.</summary>
    public string? Status { get; init; }

    public int? ExitCode { get; init; }

    public string? KillReason { get; init; }

    public string? Commit { get; init; }

    public string? Code { get; init; }

    public string? Detail { get; init; }

    public double? Seconds { get; init; }

    /// <summary>A step's whole execution: queue, sandbox set-up, the command (<see cref="Seconds"/>) and removal.</summary>
    public double? TotalSeconds { get; init; }

    public long? PeakMemoryBytes { get; init; }

    public long? MemoryLimitBytes { get; init; }

    public long? AuditSequence { get; init; }

    internal static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}

public static class JournalKinds
{
    public const string RunStarted = "run-started";
    public const string RunResumed = "run-resumed";
    public const string TaskStarted = "task-started";
    public const string PhaseStarted = "phase-started";
    public const string StepStarted = "step-started";
    public const string StepFinished = "step-finished";
    public const string StepAbandoned = "step-abandoned";
    public const string PhaseFinished = "phase-finished";
    public const string Checkpoint = "checkpoint";
    public const string TaskFinished = "task-finished";
    public const string Warning = "warning";
    public const string RunFinished = "run-finished";
}

public static class WorkflowStatus
{
    public const string Passed = "passed";
    public const string Failed = "failed";
    public const string Interrupted = "interrupted";
    public const string Blocked = "blocked";
    public const string Abandoned = "abandoned";
    public const string Pending = "pending";
}
