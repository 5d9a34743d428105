using System.Collections.Immutable;

namespace Gadugi.BuildExec.Core.Execution.Sandbox;

/// <summary>A question the run asks the sandbox's events before it can decide how the command ended.</summary>
internal enum EndQuestion
{
    /// <summary>Did the sandbox's keeper die (init's exit 127: the image cannot run 'sleep')?</summary>
    KeeperDeath,

    /// <summary>Exit 137 without an "oom" event yet: does a late one arrive?</summary>
    LateOom,

    /// <summary>The whole sandbox died: does an "oom" event, which can trail "die", arrive?</summary>
    OomAfterDeath,

    /// <summary>OOM seen but the command's stream reported another exit: does the sandbox die (gVisor)?</summary>
    DeathAfterOom,
}

/// <summary>What was seen of a command's end: its exit, the kill switch, and the sandbox's events so far.</summary>
internal sealed record EndSightings
{
    /// <summary>The exec's exit code; null when it reported none (its stream was cut, or the exec was refused).</summary>
    public long? ExitCode { get; init; }

    public KillReason? Kill { get; init; }

    public bool Gvisor { get; init; }

    public bool OomSeen { get; init; }

    /// <summary>The sandbox itself stopped (its "die" event arrived).</summary>
    public bool Died { get; init; }

    /// <summary>Exit code of the sandbox's own process, from the "die" event.</summary>
    public int? DiedExitCode { get; init; }

    /// <summary>False when the engine never had a process for the command (its runtime failed first).</summary>
    public bool ProcessStarted { get; init; } = true;

    /// <summary>The start of the command's stdout (where the engine writes its runtime's error when that failed).</summary>
    public string Output { get; init; } = string.Empty;

    public ImmutableHashSet<EndQuestion> Asked { get; init; } = [];

    /// <summary>This sighting after a question was answered.</summary>
    public EndSightings Answer(EndQuestion question, bool yes, int? diedExitCode = null) => question switch
    {
        EndQuestion.KeeperDeath or EndQuestion.DeathAfterOom => this with { Asked = Asked.Add(question), Died = Died || yes, DiedExitCode = yes ? diedExitCode : DiedExitCode },
        _ => this with { Asked = Asked.Add(question), OomSeen = OomSeen || yes },
    };
}

/// <summary>
/// How a command ended, decided from what was seen. <c>StoppedFromOutside</c> says how the sandbox
/// ended when something other than a limit or the caller ended it (GBX1006): then the exit code is
/// not the command's, and the run fails.
/// </summary>
internal sealed record EndVerdict(int ExitCode, int? Signal, KillReason? KillReason, IReadOnlyList<SecurityEvent> Events, bool SandboxEnded, string? StoppedFromOutside = null);

/// <summary>
/// Decides how a command ended from what was seen of it, with no engine and no clock: which questions
/// the events still have to answer (and how long each may take), whether the sandbox's keeper was
/// missing, and the exit code, kill reason, signal and events. The run asks the questions in order
/// (<see cref="RunConclusion"/>); every race fixed so far is a row of the outcome table tests.
/// </summary>
internal static class OutcomeRules
{
    /// <summary>How the engine's runtime starts its error when it could not exec a command.</summary>
    private const string RuntimeExecFailed = "OCI runtime exec failed";

    /// <summary>runc got as far as the exec itself: the command's fault, or a sandbox that had just stopped.</summary>
    private const string RuncGotToTheExec = RuntimeExecFailed + ": exec failed:";

    /// <summary>Exit code of the engine's init (tini) when it cannot execute the keeper.</summary>
    public const int KeeperNotFoundExit = 127;

    /// <summary>How long a look for the keeper's death may take when the exec reported no exit.</summary>
    public static readonly TimeSpan KeeperDeathGrace = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a look for the keeper's death may take when the exec started just before the sandbox
    /// ended (then it reports 126, 127 or 137): the die event has usually arrived by then.
    /// </summary>
    public static readonly TimeSpan KeeperDeathGlance = TimeSpan.FromMilliseconds(250);

    public static readonly TimeSpan OomEventGrace = TimeSpan.FromMilliseconds(500);

    public static readonly TimeSpan DiedOomEventGrace = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The keeper question, right after the command: only a missing exit, or 126, 127 or 137 without an
    /// OOM event, can mean the sandbox's keeper died (other exits are the command's own).
    /// </summary>
    public static (EndQuestion Question, TimeSpan Grace)? KeeperQuestion(EndSightings seen)
    {
        var keeperMayHaveFailed = seen.ExitCode is null || (seen.ExitCode is 126 or 127 or 137 && !seen.OomSeen);
        if (seen.Kill is not null || !keeperMayHaveFailed || seen.Asked.Contains(EndQuestion.KeeperDeath))
        {
            return null;
        }

        return (EndQuestion.KeeperDeath, seen.ExitCode is null ? KeeperDeathGrace : KeeperDeathGlance);
    }

    /// <summary>
    /// GBX1003, asked right after the command and before anything else: an engine that answers but
    /// cannot run commands. When the runtime fails to start an exec, the engine writes its error into
    /// the exec's stdout and reports exit 126 with no process. When runc itself got as far as the exec
    /// it says "exec failed: …": a missing or non-executable command ("unable to start container
    /// process", the command's fault: the caller sees exit 126, as with docker exec) or a sandbox that
    /// had just stopped ("cannot exec in a stopped container", judged by how it stopped). Failing
    /// before that is the engine's fault, e.g. runc unable to write its process file into a
    /// temporary folder that no longer exists. Returns the engine's own message, or null.
    /// </summary>
    public static string? EngineCannotExec(EndSightings seen)
    {
        if (seen.Kill is not null || seen.Died || seen.ProcessStarted || seen.ExitCode != 126)
        {
            return null;
        }

        var message = seen.Output.Trim();
        return message.StartsWith(RuntimeExecFailed, StringComparison.Ordinal) && !message.StartsWith(RuncGotToTheExec, StringComparison.Ordinal)
            ? message
            : null;
    }

    /// <summary>The keeper died with init's exit 127 and nothing killed the sandbox: GBX1206, not the command's result.</summary>
    public static bool KeeperMissing(EndSightings seen) =>
        seen.Kill is null && seen.Asked.Contains(EndQuestion.KeeperDeath) && seen.Died && seen.DiedExitCode == KeeperNotFoundExit;

    /// <summary>The next question before the outcome can be decided, or null when it can be.</summary>
    public static (EndQuestion Question, TimeSpan Grace)? ConclusionQuestion(EndSightings seen)
    {
        if (seen.Kill is not null)
        {
            return null;
        }

        var code = seen.ExitCode ?? 137;
        if (!seen.OomSeen && code == 137 && !seen.Asked.Contains(EndQuestion.LateOom))
        {
            return (EndQuestion.LateOom, OomEventGrace);
        }

        if (!seen.OomSeen && seen.Died && !DiedOfGvisorOom(seen) && !seen.Asked.Contains(EndQuestion.OomAfterDeath))
        {
            return (EndQuestion.OomAfterDeath, DiedOomEventGrace);
        }

        // Under gVisor the exec stream can end with the Sentry's last word a moment before the engine
        // reports the sandbox gone; a sandbox that then dies went down with the OOM kill.
        if (Oom(seen) && code != 137 && !seen.Died && !seen.Asked.Contains(EndQuestion.DeathAfterOom))
        {
            return (EndQuestion.DeathAfterOom, DiedOomEventGrace);
        }

        return null;
    }

    /// <summary>The outcome, once <see cref="ConclusionQuestion"/> has nothing left to ask.</summary>
    public static EndVerdict Decide(EndSightings seen, SandboxPolicy policy, long outputBytesSeen)
    {
        var events = new List<SecurityEvent>();
        if (seen.Kill is { } reason)
        {
            events.Add(KillEvents.For(reason, policy, outputBytesSeen));
            if (seen.OomSeen)
            {
                events.Add(new SecurityEvent("oom", "the kernel's OOM killer ended a process in the sandbox"));
            }

            return new EndVerdict(137, 9, reason, events, SandboxEnded: false);
        }

        var code = (int)(seen.ExitCode ?? 137);
        var oom = Oom(seen);
        KillReason? killReason = null;
        if (oom)
        {
            // A sandbox that died of OOM took the command with it, whatever its exec stream reported.
            code = seen.Died ? 137 : code;
            events.Add(new SecurityEvent("oom", $"the kernel's OOM killer ended a process at the memory limit of {PolicyValueParser.FormatSize(policy.MemoryBytes)}"));
            killReason = code == 137 ? KillReason.Oom : null;
        }

        int? signal = code is > 128 and < 160 ? code - 128 : null;
        if (seen.Died && !oom)
        {
            // Neither a limit nor the caller ended it: the engine stopped (a restart takes every
            // sandbox down), or something stopped this one. The exit code is then not the command's.
            return new EndVerdict(code, signal, null, events, SandboxEnded: true, StoppedFromOutside: DeathOf(seen.DiedExitCode));
        }

        if (seen.Died)
        {
            events.Add(new SecurityEvent("sandbox_ended", "the whole sandbox was ended by the kernel's OOM killer (under gVisor the sandbox kernel is the process at the limit); /output was not copied"));
        }

        return new EndVerdict(code, signal, killReason, events, seen.Died);
    }

    /// <summary>How the sandbox ended, as its "die" event told it.</summary>
    private static string DeathOf(int? diedExitCode) => diedExitCode is { } code
        ? $"the sandbox's init exited with {code}{(code is > 128 and < 160 ? $" (signal {code - 128})" : string.Empty)}"
        : "the sandbox ended";

    private static bool Oom(EndSightings seen) => seen.OomSeen || DiedOfGvisorOom(seen);

    /// <summary>
    /// The engine's "oom" event for a gVisor sandbox is now and then never sent on a loaded host (seen
    /// on Docker 20.10 with cgroup v1); nothing but the kernel's OOM killer SIGKILLs a Sentry that
    /// neither the executor nor its timeout stopped, so there a SIGKILL death settles it.
    /// </summary>
    private static bool DiedOfGvisorOom(EndSightings seen) => seen.Gvisor && seen.Died && seen.DiedExitCode == 137;
}
