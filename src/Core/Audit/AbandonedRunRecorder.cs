namespace Gadugi.BuildExec.Core.Audit;

/// <summary>
/// Ends the record of runs whose owner died: for each sandbox the sweep removed, the audit log its
/// run was writing to (the container's <see cref="ContainerLabels.AuditLog"/> label) gets an
/// <c>abandoned</c> record, when that log holds the run's <c>started</c> record and nothing ended it.
/// A label never makes the sweep write to a file that is not such a log. Whether a run is still open
/// is decided under the log's lock, in the same step as the append: sweeps racing over one run (a
/// workflow's resume and the executor's background reaper, or two processes) end it once.
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
            if (!Path.IsPathRooted(path) || !File.Exists(path))
            {
                continue;
            }

            // The first sandbox per run: two labelled with one execution id end that run once.
            var byRun = sandboxes
                .GroupBy(sandbox => sandbox.Labels[ContainerLabels.Execution], StringComparer.Ordinal)
                .ToDictionary(run => run.Key, run => run.First(), StringComparer.Ordinal);
            recorded += await EndOpenRunsAsync(
                path,
                byRun.Keys,
                run =>
                {
                    var labels = byRun[run.Id].Labels;
                    var owner = labels.TryGetValue(ContainerLabels.Owner, out var ownerText) ? ownerText : "unknown";
                    return (AuditRecordFactory.ForAbandoned(run.Started, byRun[run.Id].Id, owner, removedNow: true, time.GetUtcNow()), owner);
                },
                long.MaxValue,
                cancellationToken).ConfigureAwait(false);
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

        var orphans = new List<AuditRun>();
        foreach (var run in AuditRuns.Read(auditLog, OrphanWindowBytes).Open)
        {
            var ownerText = run.Started.TryGetProperty("owner", out var o) ? o.GetString() : null;
            if (OwnerIdentity.Parse(ownerText) is not { } owner || owner.IsAliveAsSeenFrom(observer) != false)
            {
                continue;
            }

            var containerId = ContainerIdOf(run);
            if (containerId is not null && await engine.FindContainerAsync(containerId, cancellationToken).ConfigureAwait(false) is not null)
            {
                continue;
            }

            orphans.Add(run);
        }

        if (orphans.Count == 0)
        {
            return 0;
        }

        // The engine was asked without the log's lock held; whether each run is still open is asked again under it.
        return await EndOpenRunsAsync(
            auditLog,
            orphans.Select(run => run.Id).ToArray(),
            run =>
            {
                var owner = run.Started.GetProperty("owner").GetString()!;
                return (AuditRecordFactory.ForAbandoned(run.Started, ContainerIdOf(run) ?? "?", owner, removedNow: false, time.GetUtcNow()), owner);
            },
            OrphanWindowBytes,
            cancellationToken).ConfigureAwait(false);
    }

    private static string? ContainerIdOf(AuditRun run) =>
        run.Started.TryGetProperty("container_id", out var c) ? c.GetString() : null;

    /// <summary>Ends the runs still open once the log is locked; logs what it recorded, or why it could not.</summary>
    private async Task<int> EndOpenRunsAsync(string path, IReadOnlyCollection<string> runIds, Func<AuditRun, (AuditRecord Record, string Owner)> end, long tailBytes, CancellationToken cancellationToken)
    {
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            var appended = await new AuditLog(path).EndOpenRunsAsync(
                runIds,
                run =>
                {
                    var (record, owner) = end(run);
                    owners[run.Id] = owner;
                    return record;
                },
                tailBytes,
                cancellationToken).ConfigureAwait(false);
            foreach (var record in appended)
            {
                Log.RecordedAbandoned(logger, record.Id, path, owners[record.Id]);
            }

            return appended.Count;
        }
        catch (Exception ex) when (ex is GadugiException or IOException or UnauthorizedAccessException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            Log.AbandonedNotRecorded(logger, string.Join(", ", runIds), path, ex.Message);
            return 0;
        }
    }
}

