using System.Diagnostics;

namespace Gadugi.BuildExec.Core.Execution.Sandbox;

/// <summary>One admitted execution: the validated request, its id, and its clocks.</summary>
internal sealed record RunContext(ExecutionRequest Request, string ExecutionId, DateTimeOffset RequestedAt, Stopwatch Total, TimeSpan QueueTime)
{
    /// <summary>The audit log the run writes to (full path), or null.</summary>
    public string? AuditLog { get; init; }

    /// <summary>The run's phases, timed from the request (the queue is its first).</summary>
    public PhaseClock Clock { get; init; } = new();

    /// <summary>Records that the run's sandbox (container id, image) exists; called before the sandbox starts.</summary>
    public Func<string, AuditImage, Task> RecordStartAsync { get; init; } = (_, _) => Task.CompletedTask;

    /// <summary>Told the execution id of a prepared sandbox the run took (its labels name it), before anything is recorded under it.</summary>
    public Action<string> AdoptExecutionId { get; init; } = _ => { };
}
