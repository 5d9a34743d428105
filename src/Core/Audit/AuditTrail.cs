using Gadugi.BuildExec.Core.Audit;
using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Core.Audit;

/// <summary>Records every execution, refusal and failure in the audit log, when there is one.</summary>
internal sealed class AuditTrail(AuditLog? log)
{
    public string? Path => log?.Path;

    public async Task<ExecutionResult> RecordAsync(ExecutionRequest request, ExecutionResult result, AuditImage? image, DateTimeOffset time)
    {
        if (log is null)
        {
            return result;
        }

        var (record, hash) = await log.AppendAsync(AuditRecordFactory.ForResult(request, result, image, time), CancellationToken.None).ConfigureAwait(false);
        return result with { AuditLog = log.Path, AuditSequence = record.Seq, AuditRecordHash = hash };
    }

    /// <summary>The run's sandbox was created and is about to start; a log that cannot take the record stops the run (GBX1301).</summary>
    public async Task RecordStartAsync(ExecutionRequest request, string executionId, string containerId, AuditImage image, DateTimeOffset time)
    {
        if (log is not null)
        {
            await log.AppendAsync(AuditRecordFactory.ForStart(request, executionId, containerId, image, OwnerIdentity.Current.ToString(), time), CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>A request refused before anything ran (a denied variable, an oversized input).</summary>
    public async Task RecordRefusalAsync(ExecutionRequest request, string executionId, GadugiException error, DateTimeOffset time, CancellationToken cancellationToken)
    {
        if (log is not null)
        {
            await log.AppendAsync(AuditRecordFactory.ForRefusal(request, executionId, AuditStatus.Denied, error, time), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>An execution that failed with a coded error; the error itself is what the caller sees.</summary>
    public async Task TryRecordFailureAsync(ExecutionRequest request, string executionId, GadugiException error, DateTimeOffset time)
    {
        if (log is null || error.Code == "GBX1301")
        {
            return;
        }

        try
        {
            await log.AppendAsync(AuditRecordFactory.ForRefusal(request, executionId, AuditStatus.Failed, error, time), CancellationToken.None).ConfigureAwait(false);
        }
        catch (GadugiException)
        {
            // The original error is the one to report.
        }
    }
}
