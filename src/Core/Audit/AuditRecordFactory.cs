using System.Text.Json;
using Gadugi.BuildExec.Core.Audit;

namespace Gadugi.BuildExec.Core.Audit;

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
        Tags = TagsOf(request),
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
        Tags = TagsOf(request),
    };

    /// <summary>The run's sandbox exists and is about to start: written before it starts, so even a hard kill of the owner leaves a trace.</summary>
    public static AuditRecord ForStart(ExecutionRequest request, string executionId, string containerId, AuditImage image, string owner, DateTimeOffset time) => new()
    {
        Id = executionId,
        Time = time,
        Who = Actor(request),
        Status = AuditStatus.Started,
        Policy = new AuditPolicy(request.Policy.Name, request.Policy.Source),
        Image = image,
        Argv = request.Command,
        Workdir = request.WorkingDirectory,
        Input = request.InputDirectory,
        Output = request.OutputDirectory,
        EnvNames = request.Environment.Keys.Order(StringComparer.Ordinal).ToArray(),
        Sandboxed = true,
        ContainerId = containerId,
        Owner = owner,
        Tags = TagsOf(request),
    };

    /// <summary>
    /// A run whose owner died before it ended, written by the sweep that removed its sandbox: it
    /// repeats what the run's <c>started</c> record said, and names the sweeping process as who.
    /// </summary>
    public static AuditRecord ForAbandoned(JsonElement started, string containerId, string owner, bool removedNow, DateTimeOffset time)
    {
        var policy = started.GetProperty("policy");
        var sandbox = containerId[..Math.Min(12, containerId.Length)];
        var detail = $"the run's owner ({owner}) ended before the run did; " + (removedNow
            ? $"its sandbox {sandbox} was removed by the sweep of pid {Environment.ProcessId}"
            : $"its sandbox {sandbox} was already gone when the sweep of pid {Environment.ProcessId} found the run open");
        return new AuditRecord
        {
            Id = started.GetProperty("id").GetString()!,
            Time = time,
            Who = new AuditActor(Environment.UserName, HostUser.Uid, Environment.MachineName, Environment.ProcessId, "sweep"),
            Status = AuditStatus.Abandoned,
            Policy = new AuditPolicy(policy.GetProperty("name").GetString() ?? "?", policy.GetProperty("source").GetString() ?? "?"),
            Image = started.TryGetProperty("image", out var image) && image.ValueKind == JsonValueKind.Object
                ? image.Deserialize<AuditImage>(AuditChain.JsonOptions)
                : null,
            Argv = started.TryGetProperty("argv", out var argv) ? argv.EnumerateArray().Select(a => a.GetString() ?? string.Empty).ToArray() : [],
            Workdir = started.TryGetProperty("workdir", out var workdir) ? workdir.GetString() : null,
            Sandboxed = true,
            ContainerId = containerId,
            Events = [new SecurityEvent("abandoned", detail)],
            Error = detail,
            Tags = started.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Object
                ? tags.EnumerateObject().ToDictionary(tag => tag.Name, tag => tag.Value.GetString() ?? string.Empty, StringComparer.Ordinal)
                : null,
        };
    }

    private static SortedDictionary<string, string>? TagsOf(ExecutionRequest request) =>
        request.Tags is { Count: > 0 } tags ? new SortedDictionary<string, string>(tags.ToDictionary(), StringComparer.Ordinal) : null;

    private static AuditActor Actor(ExecutionRequest request) =>
        new(Environment.UserName, HostUser.Uid, Environment.MachineName, Environment.ProcessId, request.Caller);
}
