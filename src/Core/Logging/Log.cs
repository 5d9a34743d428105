using Microsoft.Extensions.Logging;

namespace Gadugi.BuildExec.Core.Logging;

/// <summary>Every log message the core writes, as source-generated delegates.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Removed stale sandbox container {ContainerId} (owner {Owner})")]
    public static partial void RemovedStaleContainer(ILogger logger, string containerId, string owner);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Execution {ExecutionId}: {Step} after {ElapsedMilliseconds} ms")]
    public static partial void Step(ILogger logger, string executionId, string step, long elapsedMilliseconds);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Execution {ExecutionId}: could not remove container {ContainerId}: {Reason}")]
    public static partial void RemoveFailed(ILogger logger, string executionId, string containerId, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "{Message}")]
    public static partial void UnsandboxedFallback(ILogger logger, string message);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Execution {ExecutionId}: could not read resource usage: {Reason}")]
    public static partial void UsageUnavailable(ILogger logger, string executionId, string reason);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Execution {ExecutionId}: /output entry refused: {Detail}")]
    public static partial void OutputEntryRefused(ILogger logger, string executionId, string detail);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "Could not sweep stale sandbox containers: {Reason}")]
    public static partial void ReapFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "Execution {ExecutionId}: could not freeze container {ContainerId}, so it is removed before the answer: {Reason}")]
    public static partial void FreezeFailed(ILogger logger, string executionId, string containerId, string reason);

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "Removed stale sandbox network or firewall chain {Name} (owner {Owner})")]
    public static partial void RemovedStaleNetwork(ILogger logger, string name, string owner);

    [LoggerMessage(EventId = 31, Level = LogLevel.Warning, Message = "Could not sweep stale sandbox networks: {Reason}")]
    public static partial void NetworkReapFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "Recorded execution {ExecutionId} as abandoned in {AuditLog} (owner {Owner})")]
    public static partial void RecordedAbandoned(ILogger logger, string executionId, string auditLog, string owner);

    [LoggerMessage(EventId = 41, Level = LogLevel.Warning, Message = "Could not record execution {ExecutionId} as abandoned in {AuditLog}: {Reason}")]
    public static partial void AbandonedNotRecorded(ILogger logger, string executionId, string auditLog, string reason);

    [LoggerMessage(EventId = 60, Level = LogLevel.Warning, Message = "Could not prepare a pooled sandbox for {Key}: {Reason}")]
    public static partial void PoolPrepareFailed(ILogger logger, string key, string reason);

    [LoggerMessage(EventId = 61, Level = LogLevel.Warning, Message = "Could not remove pooled sandbox {ContainerId}: {Reason}")]
    public static partial void PoolRemoveFailed(ILogger logger, string containerId, string reason);

    [LoggerMessage(EventId = 62, Level = LogLevel.Debug, Message = "Pool: {Action} sandbox {ContainerId} ({Key})")]
    public static partial void PoolStep(ILogger logger, string action, string containerId, string key);
}
