using Docker.DotNet;
using Docker.DotNet.Models;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Logging;
using Gadugi.BuildExec.Core.Policies;
using Microsoft.Extensions.Logging;

namespace Gadugi.BuildExec.Core.Execution;

/// <summary>What an ended command amounts to: exit code, kill reason, usage, events and /output.</summary>
internal sealed record RunOutcome(int ExitCode, int? Signal, KillReason? KillReason, ResourceUsage Usage, IReadOnlyList<SecurityEvent> Events, IReadOnlyList<string> OutputFiles);

/// <summary>
/// Works out how a command ended, while its container still exists: reads usage, recognises OOM
/// kills and pids-limit hits, and copies /output out.
/// </summary>
internal sealed class RunConclusion(IDockerClient docker, string containerId, string executionId, ExecutionRequest request, string user, string keeperUser, ILogger logger)
{
    /// <summary>How long archiving /output may take at least, before the time its size allows.</summary>
    private static readonly TimeSpan CollectionBase = TimeSpan.FromSeconds(60);

    /// <summary>The slowest rate collection is expected to reach (tmpfs through the engine's exec stream is far faster).</summary>
    private const long CollectionBytesPerSecond = 16L * 1024 * 1024;

    private static readonly TimeSpan OomEventGrace = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan DiedOomEventGrace = TimeSpan.FromSeconds(2);

    /// <summary>Process slots added so /output can still be archived when the command's leftovers fill the pids limit.</summary>
    private const long CollectionPidsHeadroom = 8;

    public async Task<RunOutcome> ConcludeAsync(long? exitCode, KillSwitch killSwitch, OomWatcher oomWatcher, OutputPump pump, CancellationToken cancellationToken)
    {
        var policy = request.Policy;
        var events = new List<SecurityEvent>();
        if (killSwitch.Reason is { } reason)
        {
            await killSwitch.Completion.ConfigureAwait(false);
            events.Add(KillEvents.For(reason, policy, pump.TotalBytes));
            if (oomWatcher.Seen)
            {
                events.Add(new SecurityEvent("oom", "the kernel's OOM killer ended a process in the sandbox"));
            }

            var atKill = killSwitch.UsageAtKill ?? UsageSnapshot.Unknown;
            AddPidsEvent(events, atKill);
            return new RunOutcome(137, 9, reason, atKill.Usage, events, []);
        }

        var died = oomWatcher.Died.IsCompleted;
        var snapshot = died ? UsageSnapshot.Unknown : await ReadUsageAsync(cancellationToken).ConfigureAwait(false);
        AddPidsEvent(events, snapshot);
        var code = (int)(exitCode ?? 137);
        var oom = oomWatcher.Seen
            || (code == 137 && await oomWatcher.WaitAsync(OomEventGrace).ConfigureAwait(false))
            || (died && await DiedOfOomAsync(oomWatcher).ConfigureAwait(false));
        if (oom && code != 137 && !died)
        {
            // Under gVisor the exec stream can end with the Sentry's last word a moment before the
            // engine reports the sandbox gone; a sandbox that then dies went down with the OOM kill.
            died = await oomWatcher.DiesWithinAsync(DiedOomEventGrace).ConfigureAwait(false);
        }

        KillReason? killReason = null;
        if (oom)
        {
            // A sandbox that died of OOM took the command with it, whatever its exec stream reported.
            code = died ? 137 : code;
            events.Add(new SecurityEvent("oom", $"the kernel's OOM killer ended a process at the memory limit of {PolicyValueParser.FormatSize(policy.MemoryBytes)}"));
            killReason = code == 137 ? KillReason.Oom : null;
        }

        if (died && !oom)
        {
            // Neither a limit nor the caller ended it: the engine stopped (a restart takes every
            // sandbox down), or something stopped this one. The exit code is then not the command's.
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.SandboxStoppedFromOutside), executionId, policy.Name, oomWatcher.DeathDescription));
        }

        IReadOnlyList<string> files = [];
        if (died)
        {
            events.Add(new SecurityEvent("sandbox_ended", "the whole sandbox was ended by the kernel's OOM killer (under gVisor the sandbox kernel is the process at the limit); /output was not copied"));
        }
        else if (request.OutputDirectory is not null)
        {
            await MakeRoomForCollectionAsync(snapshot, cancellationToken).ConfigureAwait(false);
            var collected = await CollectBoundedAsync(request.OutputDirectory, request.WorkingDirectory, cancellationToken).ConfigureAwait(false);
            files = collected.Files;
            events.AddRange(collected.Refusals);
            foreach (var refusal in collected.Refusals)
            {
                Log.OutputEntryRefused(logger, executionId, refusal.Detail);
            }
        }

        int? signal = code is > 128 and < 160 ? code - 128 : null;
        return new RunOutcome(code, signal, killReason, snapshot.Usage, events, files);
    }

    /// <summary>
    /// Whether a sandbox that died as a whole (under gVisor the OOM killer ends its Sentry) died of OOM.
    /// The engine's "oom" event for a gVisor sandbox is now and then never sent on a loaded host (seen
    /// on Docker 20.10 with cgroup v1); nothing but the kernel's OOM killer SIGKILLs a Sentry that
    /// neither the executor nor its timeout stopped, so there a SIGKILL death settles it. Elsewhere the
    /// event, which can trail the "die" event, is waited for a little longer.
    /// </summary>
    private async Task<bool> DiedOfOomAsync(OomWatcher oomWatcher) =>
        (request.Policy.Runtime == SandboxRuntime.Gvisor && await oomWatcher.DiedWithAsync(137, TimeSpan.Zero).ConfigureAwait(false))
        || await oomWatcher.WaitAsync(DiedOomEventGrace).ConfigureAwait(false);

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
            return await OutputCollector.CollectAsync(docker, containerId, user, keeperUser, destination, boundary, request.Policy.DiskBytes, bounded.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (bounded.IsCancellationRequested && !cancellationToken.IsCancellationRequested
            && ex is OperationCanceledException or IOException or HttpRequestException or DockerApiException)
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
            return await UsageReader.ReadAsync(docker, containerId, keeperUser, limit.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DockerApiException or IOException or HttpRequestException or OperationCanceledException)
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
            await docker.Containers.UpdateContainerAsync(containerId, new ContainerUpdateParameters { PidsLimit = (long)limit + CollectionPidsHeadroom }, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException)
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
