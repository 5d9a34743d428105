using System.Diagnostics;

namespace Gadugi.BuildExec.Core.Execution.Sandbox;

/// <summary>One admitted execution: the validated request, its id, and its clocks.</summary>
internal sealed record RunContext(ExecutionRequest Request, string ExecutionId, DateTimeOffset RequestedAt, Stopwatch Total, TimeSpan QueueTime);
