using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Execution.Sandbox;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Core.Tests.Execution;

/// <summary>The outcome rules as a pure function: what is asked next, and what is decided from what was seen.</summary>
[TestClass]
public sealed class OutcomeRulesTests
{
    private static readonly SandboxPolicy Policy = PolicyDefaults.BuiltIn["shell"];

    [TestMethod]
    public void Only_126_127_137_or_no_exit_ask_about_the_keeper_and_how_long_depends_on_the_exit()
    {
        Assert.IsNull(OutcomeRules.KeeperQuestion(new EndSightings { ExitCode = 255 }));
        Assert.IsNull(OutcomeRules.KeeperQuestion(new EndSightings { ExitCode = 137, OomSeen = true }));
        Assert.IsNull(OutcomeRules.KeeperQuestion(new EndSightings { ExitCode = null, Kill = KillReason.Timeout }));
        Assert.AreEqual((EndQuestion.KeeperDeath, OutcomeRules.KeeperDeathGlance), OutcomeRules.KeeperQuestion(new EndSightings { ExitCode = 126 }));
        Assert.AreEqual((EndQuestion.KeeperDeath, OutcomeRules.KeeperDeathGrace), OutcomeRules.KeeperQuestion(new EndSightings { ExitCode = null }));
    }

    [TestMethod]
    public void The_keeper_was_missing_only_when_its_death_was_asked_about_and_init_said_127()
    {
        var seen = new EndSightings { ExitCode = 127 }.Answer(EndQuestion.KeeperDeath, yes: true, diedExitCode: 127);

        Assert.IsTrue(OutcomeRules.KeeperMissing(seen));
        Assert.IsFalse(OutcomeRules.KeeperMissing(new EndSightings { ExitCode = 127, Died = true, DiedExitCode = 127 }), "not asked");
        Assert.IsFalse(OutcomeRules.KeeperMissing(new EndSightings { ExitCode = 127 }.Answer(EndQuestion.KeeperDeath, yes: true, diedExitCode: 137)));
    }

    [TestMethod]
    public void Questions_come_in_order_and_each_only_once()
    {
        var seen = new EndSightings { ExitCode = null, Died = true, DiedExitCode = 143 };

        Assert.AreEqual(EndQuestion.LateOom, OutcomeRules.ConclusionQuestion(seen)!.Value.Question);
        seen = seen.Answer(EndQuestion.LateOom, yes: false);
        Assert.AreEqual((EndQuestion.OomAfterDeath, OutcomeRules.DiedOomEventGrace), OutcomeRules.ConclusionQuestion(seen));
        seen = seen.Answer(EndQuestion.OomAfterDeath, yes: false);
        Assert.IsNull(OutcomeRules.ConclusionQuestion(seen));

        var verdict = OutcomeRules.Decide(seen, Policy, 0);
        Assert.IsNull(verdict.KillReason);
        Assert.IsTrue(verdict.SandboxEnded);
        Assert.AreEqual("the sandbox's init exited with 143 (signal 15)", verdict.StoppedFromOutside, "neither a limit nor the caller ended it: GBX1006");
    }

    [TestMethod]
    public void Only_a_sandbox_that_died_without_an_OOM_kill_or_a_kill_of_ours_was_stopped_from_outside()
    {
        Assert.IsNull(OutcomeRules.Decide(new EndSightings { ExitCode = 0 }, Policy, 0).StoppedFromOutside, "alive");
        Assert.IsNull(OutcomeRules.Decide(new EndSightings { ExitCode = null, Died = true, DiedExitCode = 137, OomSeen = true }, Policy, 0).StoppedFromOutside, "OOM");
        Assert.IsNull(OutcomeRules.Decide(new EndSightings { ExitCode = null, Died = true, DiedExitCode = 137, Kill = KillReason.Timeout }, Policy, 0).StoppedFromOutside, "our kill");
        Assert.AreEqual("the sandbox ended", OutcomeRules.Decide(new EndSightings { ExitCode = null, Died = true }, Policy, 0).StoppedFromOutside, "no exit code in the die event");
    }

    [TestMethod]
    public void A_gvisor_sandbox_that_died_of_SIGKILL_is_an_OOM_kill_without_waiting_for_the_event()
    {
        var seen = new EndSightings { ExitCode = null, Gvisor = true, Died = true, DiedExitCode = 137 }.Answer(EndQuestion.LateOom, yes: false);

        Assert.IsNull(OutcomeRules.ConclusionQuestion(seen));
        var verdict = OutcomeRules.Decide(seen, Policy, 0);
        Assert.AreEqual(KillReason.Oom, verdict.KillReason);
        Assert.AreEqual(9, verdict.Signal);
        CollectionAssert.AreEqual(new[] { "oom", "sandbox_ended" }, verdict.Events.Select(e => e.Kind).ToArray());
    }

    [TestMethod]
    public void A_kill_decides_at_once_and_names_its_reason_first()
    {
        var seen = new EndSightings { ExitCode = 0, Kill = KillReason.Timeout, OomSeen = true };

        Assert.IsNull(OutcomeRules.ConclusionQuestion(seen));
        var verdict = OutcomeRules.Decide(seen, Policy, 0);
        Assert.AreEqual(137, verdict.ExitCode);
        Assert.AreEqual(KillReason.Timeout, verdict.KillReason);
        CollectionAssert.AreEqual(new[] { "timeout", "oom" }, verdict.Events.Select(e => e.Kind).ToArray());
    }
}
