using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Execution.Sandbox;

namespace Gadugi.BuildExec.Core.Tests.Execution;

/// <summary>The engine's words decide whose fault an exec that never started was (the messages are runc's, as seen on Docker 20.10).</summary>
[TestClass]
public sealed class EngineExecFaultTests
{
    private static EndSightings NeverStarted(string output) => new() { ExitCode = 126, ProcessStarted = false, Output = output };

    [TestMethod]
    public void Runc_failing_before_the_exec_is_the_engines_fault()
    {
        const string lostTmpdir = "OCI runtime exec failed: open /tmp/gadugi-build.abc/runc-process123: no such file or directory: unknown\r\n";

        Assert.AreEqual(lostTmpdir.Trim(), OutcomeRules.EngineCannotExec(NeverStarted(lostTmpdir)));
    }

    [TestMethod]
    [DataRow("OCI runtime exec failed: exec failed: unable to start container process: exec: \"nosuchcmd\": executable file not found in $PATH: unknown")]
    [DataRow("OCI runtime exec failed: exec failed: unable to start container process: exec: \"/etc/passwd\": permission denied: unknown")]
    [DataRow("OCI runtime exec failed: exec failed: cannot exec in a stopped container: unknown")]
    public void Runc_refusing_the_command_or_a_stopped_sandbox_is_not(string message) =>
        Assert.IsNull(OutcomeRules.EngineCannotExec(NeverStarted(message)));

    [TestMethod]
    public void A_command_that_ran_and_printed_the_same_words_is_not() =>
        Assert.IsNull(OutcomeRules.EngineCannotExec(NeverStarted("OCI runtime exec failed: open /tmp/x/runc-process1: no such file or directory: unknown") with { ProcessStarted = true }));

    [TestMethod]
    public void The_same_words_from_a_sandbox_that_was_killed_or_had_ended_are_judged_by_how_it_ended()
    {
        const string lostTmpdir = "OCI runtime exec failed: open /tmp/x/runc-process1: no such file or directory: unknown";

        Assert.IsNull(OutcomeRules.EngineCannotExec(NeverStarted(lostTmpdir) with { Kill = KillReason.Timeout }));
        Assert.IsNull(OutcomeRules.EngineCannotExec(NeverStarted(lostTmpdir) with { Died = true }));
    }
}
