using Gadugi.BuildExec.Core.Audit;

namespace Gadugi.BuildExec.Core.Execution;

/// <summary>Describes an execution, or a refused request, as an audit record.</summary>
internal static class AuditRecordFactory
{
    public static AuditRecord ForResult(ExecutionRequest request, ExecutionResult result, AuditImage? image, DateTimeOffset time) => new()
    {
        Id = result.ExecutionId,
        Time = time,
        Who = Actor(request),
        Status = result.KillReason is null ? AuditStatus.Completed : AuditStatus.Killed,
        Policy = new AuditPolicy(request.Policy.Name, request.Policy.Source),
        Image = image,
        Argv = request.Command,
        Workdir = request.WorkingDirectory,
        Input = request.InputDirectory,
        Output = request.OutputDirectory,
        EnvNames = request.Environment.Keys.Order(StringComparer.Ordinal).ToArray(),
        Sandboxed = result.Sandboxed,
        ContainerId = result.ContainerId,
        Limits = result.Limits,
        Result = new AuditOutcome(
            result.ExitCode,
            result.Signal,
            result.KillReason,
            (long)result.WallTime.TotalMilliseconds,
            (long)result.TotalTime.TotalMilliseconds,
            (long)result.QueueTime.TotalMilliseconds),
        Usage = result.Usage,
        // Bounded whatever produced them: a record stays small enough to append and to re-read.
        Events = EventBudget.Cap(result.Events),
    };

    public static AuditRecord ForRefusal(ExecutionRequest request, string executionId, string status, Diagnostics.GadugiException error, DateTimeOffset time) => new()
    {
        Id = executionId,
        Time = time,
        Who = Actor(request),
        Status = status,
        Policy = new AuditPolicy(request.Policy.Name, request.Policy.Source),
        Argv = request.Command,
        Workdir = request.WorkingDirectory,
        EnvNames = request.Environment.Keys.Order(StringComparer.Ordinal).ToArray(),
        Sandboxed = false,
        Events = status == AuditStatus.Denied ? [new SecurityEvent("denied", error.Message)] : [],
        Error = error.Message,
    };

    private static AuditActor Actor(ExecutionRequest request) =>
        new(Environment.UserName, HostUser.Uid, Environment.MachineName, Environment.ProcessId, request.Caller);
}
