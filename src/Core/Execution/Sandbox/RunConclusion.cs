namespace Gadugi.BuildExec.Core.Execution.Sandbox;

/// <summary>What an ended command amounts to: exit code, kill reason, usage, events and /output.</summary>
internal sealed record RunOutcome(int ExitCode, int? Signal, KillReason? KillReason, ResourceUsage Usage, IReadOnlyList<SecurityEvent> Events, IReadOnlyList<string> OutputFiles);

/// <summary>
/// Works out how a command ended, while its sandbox still exists: asks the sandbox's events what
/// <see cref="OutcomeRules"/> needs to know, reads usage and pids-limit hits, and copies /output out.
/// </summary>
internal sealed class RunConclusion(ISandboxEngine engine, string sandboxId, string executionId, ExecutionRequest request, string user, string keeperUser, ILogger logger)
{
    /// <summary>How long archiving /output may take at least, before the time its size allows.</summary>
    private static readonly TimeSpan CollectionBase = TimeSpan.FromSeconds(60);

    /// <summary>The slowest rate collection is expected to reach (tmpfs through the engine's exec stream is far faster).</summary>
    private const long CollectionBytesPerSecond = 16L * 1024 * 1024;

    /// <summary>Process slots added so /output can still be archived when the command's leftovers fill the pids limit.</summary>
    private const long CollectionPidsHeadroom = 8;

    /// <summary>Asks the keeper question right after the command; true when the keeper was missing (GBX1206).</summary>
    public static async Task<EndSightings> CheckKeeperAsync(EndSightings seen, ISandboxEvents events)
    {
        if (OutcomeRules.KeeperQuestion(seen) is { } look)
        {
            var died = await events.DiedWithinAsync(look.Grace).ConfigureAwait(false);
            seen = seen.Answer(look.Question, died, died ? await events.Died.ConfigureAwait(false) : null);
        }

        return seen;
    }

    public async Task<RunOutcome> ConcludeAsync(EndSightings seen, KillSwitch killSwitch, ISandboxEvents events, OutputPump pump, CancellationToken cancellationToken)
    {
        var policy = request.Policy;
        if (killSwitch.Reason is not null)
        {
            await killSwitch.Completion.ConfigureAwait(false);
        }

        seen = seen with { OomSeen = events.OomSeen, Died = events.Died.IsCompleted, DiedExitCode = events.Died.IsCompleted ? await events.Died.ConfigureAwait(false) : null };
        var snapshot = killSwitch.Reason is not null
            ? killSwitch.UsageAtKill ?? UsageSnapshot.Unknown
            : seen.Died ? UsageSnapshot.Unknown : await ReadUsageAsync(cancellationToken).ConfigureAwait(false);
        seen = seen with { OomSeen = seen.OomSeen || snapshot.OomKills > 0 };
        while (OutcomeRules.ConclusionQuestion(seen) is { } look)
        {
            var yes = look.Question is EndQuestion.DeathAfterOom
                ? await events.DiedWithinAsync(look.Grace).ConfigureAwait(false)
                : await events.OomWithinAsync(look.Grace).ConfigureAwait(false);
            seen = seen.Answer(look.Question, yes, yes && look.Question is EndQuestion.DeathAfterOom ? await events.Died.ConfigureAwait(false) : null);
        }

        var verdict = OutcomeRules.Decide(seen, policy, pump.TotalBytes);
        if (verdict.StoppedFromOutside is { } how)
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.SandboxStoppedFromOutside), executionId, policy.Name, how));
        }

        var eventsSeen = new List<SecurityEvent>();
        if (killSwitch.Reason is not null)
        {
            eventsSeen.AddRange(verdict.Events);
            AddPidsEvent(eventsSeen, snapshot);
            return new RunOutcome(verdict.ExitCode, verdict.Signal, verdict.KillReason, snapshot.Usage, eventsSeen, []);
        }

        AddPidsEvent(eventsSeen, snapshot);
        eventsSeen.AddRange(verdict.Events);
        IReadOnlyList<string> files = [];
        if (!verdict.SandboxEnded && request.OutputDirectory is not null)
        {
            await MakeRoomForCollectionAsync(snapshot, cancellationToken).ConfigureAwait(false);
            var collected = await CollectBoundedAsync(request.OutputDirectory, request.WorkingDirectory, cancellationToken).ConfigureAwait(false);
            files = collected.Files;
            eventsSeen.AddRange(collected.Refusals);
            foreach (var refusal in collected.Refusals)
            {
                Log.OutputEntryRefused(logger, executionId, refusal.Detail);
            }
        }

        return new RunOutcome(verdict.ExitCode, verdict.Signal, verdict.KillReason, snapshot.Usage, eventsSeen, files);
    }

    /// <summary>Time archiving /output may take: <see cref="CollectionBase"/> plus its size at <see cref="CollectionBytesPerSecond"/>.</summary>
    internal static TimeSpan CollectionLimit(long diskBytes) => CollectionBase + TimeSpan.FromSeconds((double)diskBytes / CollectionBytesPerSecond);

    /// <summary>
    /// Copies /output within <see cref="CollectionLimit"/>. The archiver runs as the sandbox's own
    /// uid, which nothing the command left running can stop or feed; should archiving still not
    /// finish, the collection ends at the limit with a GBX1208 refusal event, and the run keeps the
    /// command's exit code.
    /// </summary>
    private async Task<OutputCollector.Collected> CollectBoundedAsync(string destination, string? boundary, CancellationToken cancellationToken)
    {
        var limit = CollectionLimit(request.Policy.DiskBytes);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(limit);
        try
        {
            return await OutputCollector.CollectAsync(engine, sandboxId, user, keeperUser, destination, boundary, request.Policy.DiskBytes, bounded.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (bounded.IsCancellationRequested && !cancellationToken.IsCancellationRequested
            && ex is OperationCanceledException or IOException or SandboxEngineException)
        {
            var timedOut = Diagnostic.Create(nameof(DiagnosticMessages.OutputCollectionTimedOut), executionId, (int)limit.TotalSeconds);
            return new OutputCollector.Collected([], [new SecurityEvent("output_refused", timedOut.ToString())]);
        }
    }

    private async Task<UsageSnapshot> ReadUsageAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(TimeSpan.FromSeconds(10));
            return await engine.ReadUsageAsync(sandboxId, keeperUser, limit.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SandboxEngineException or OperationCanceledException)
        {
            Log.UsageUnavailable(logger, executionId, ex.Message);
            return UsageSnapshot.Unknown;
        }
    }

    /// <summary>
    /// Archiving /output takes a process in the sandbox. When the command left it at its pids limit
    /// (processes that outlived it), the limit is raised by a few slots for the collection; the
    /// command is over, so this only lets the executor in. A leftover that keeps forking can still
    /// take them, and then the collector reports that /output could not be archived.
    /// </summary>
    private async Task MakeRoomForCollectionAsync(UsageSnapshot snapshot, CancellationToken cancellationToken)
    {
        // Each exec needs a few processes of its own (the runtime's init and its children, then the
        // program), and collection makes up to three (looking for leftovers, opening the command's
        // files, the archiver): room is made whenever fewer than the headroom are free.
        if (snapshot.PidsLimit is not { } limit || limit == 0 || snapshot.PidsCurrent + (ulong)CollectionPidsHeadroom <= limit)
        {
            return;
        }

        try
        {
            await engine.UpdatePidsLimitAsync(sandboxId, (long)limit + CollectionPidsHeadroom, cancellationToken).ConfigureAwait(false);
        }
        catch (SandboxEngineException)
        {
            // The collector will report what it could not do.
        }
    }

    private void AddPidsEvent(List<SecurityEvent> events, UsageSnapshot snapshot)
    {
        if (snapshot.PidsLimitReached)
        {
            var hits = snapshot.PidsLimitHits is > 0 ? $"; {snapshot.PidsLimitHits} fork/clone call(s) refused" : string.Empty;
            events.Add(new SecurityEvent("pids_limit", $"the sandbox reached its limit of {request.Policy.PidsLimit} processes{hits}"));
        }
    }
}
