namespace Gadugi.BuildExec.Core.Audit;

/// <summary>
/// Ends the record of runs whose owner died: for each sandbox the sweep removed, the audit log its
/// run was writing to (the container's <see cref="ContainerLabels.AuditLog"/> label) gets an
/// <c>abandoned</c> record, when that log holds the run's <c>started</c> record and nothing ended it.
/// A label never makes the sweep write to a file that is not such a log.
/// </summary>
internal sealed class AbandonedRunRecorder(TimeProvider time, ILogger logger)
{
    /// <summary>Appends one record per open run among the removed sandboxes; returns how many.</summary>
    public async Task<int> RecordAsync(IEnumerable<EngineResource> removedSandboxes, CancellationToken cancellationToken)
    {
        var recorded = 0;
        var byLog = removedSandboxes
            .Where(sandbox => sandbox.Labels.ContainsKey(ContainerLabels.AuditLog) && sandbox.Labels.ContainsKey(ContainerLabels.Execution))
            .GroupBy(sandbox => sandbox.Labels[ContainerLabels.AuditLog], StringComparer.Ordinal);
        foreach (var sandboxes in byLog)
        {
            var path = sandboxes.Key;
            AuditRuns runs;
            try
            {
                if (!Path.IsPathRooted(path) || !File.Exists(path))
                {
                    continue;
                }

                runs = AuditRuns.Read(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Log.AbandonedNotRecorded(logger, string.Join(", ", sandboxes.Select(s => s.Labels[ContainerLabels.Execution])), path, ex.Message);
                continue;
            }

            foreach (var sandbox in sandboxes)
            {
                var labels = sandbox.Labels;
                var executionId = labels[ContainerLabels.Execution];
                if (runs.Find(executionId) is not { IsOpen: true } run)
                {
                    continue;
                }

                var owner = labels.TryGetValue(ContainerLabels.Owner, out var ownerText) ? ownerText : "unknown";
                try
                {
                    await new AuditLog(path).AppendAsync(AuditRecordFactory.ForAbandoned(run.Started, sandbox.Id, owner, removedNow: true, time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
                    recorded++;
                    Log.RecordedAbandoned(logger, executionId, path, owner);
                }
                catch (Exception ex) when (ex is GadugiException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
                {
                    Log.AbandonedNotRecorded(logger, executionId, path, ex.Message);
                }
            }
        }

        return recorded;
    }

    /// <summary>How much of the end of a log the orphan search reads: runs open longer ago than that are left to verify.</summary>
    public const long OrphanWindowBytes = 8L * 1024 * 1024;

    /// <summary>
    /// Open runs at the end of <paramref name="auditLog"/> whose owner is gone (as seen from
    /// <paramref name="observer"/>) and whose sandbox no longer exists: killed between removing the
    /// sandbox and writing the final record, or found only after the orphaned sandbox ended itself.
    /// </summary>
    public async Task<int> RecordOrphansAsync(ISandboxEngine engine, string auditLog, OwnerIdentity observer, CancellationToken cancellationToken)
    {
        if (!File.Exists(auditLog))
        {
            return 0;
        }

        var recorded = 0;
        foreach (var run in AuditRuns.Read(auditLog, OrphanWindowBytes).Open)
        {
            var ownerText = run.Started.TryGetProperty("owner", out var o) ? o.GetString() : null;
            if (OwnerIdentity.Parse(ownerText) is not { } owner || owner.IsAliveAsSeenFrom(observer) != false)
            {
                continue;
            }

            var containerId = run.Started.TryGetProperty("container_id", out var c) ? c.GetString() : null;
            if (containerId is not null && await engine.FindContainerAsync(containerId, cancellationToken).ConfigureAwait(false) is not null)
            {
                continue;
            }

            try
            {
                await new AuditLog(auditLog).AppendAsync(AuditRecordFactory.ForAbandoned(run.Started, containerId ?? "?", ownerText!, removedNow: false, time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
                recorded++;
                Log.RecordedAbandoned(logger, run.Id, auditLog, ownerText!);
            }
            catch (Exception ex) when (ex is GadugiException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
            {
                Log.AbandonedNotRecorded(logger, run.Id, auditLog, ex.Message);
            }
        }

        return recorded;
    }
}
