using Gadugi.BuildExec.Core.Policies;
using Gadugi.BuildExec.Security.Tests.Support;
using static Gadugi.BuildExec.Security.Tests.Attacks.Errno;

namespace Gadugi.BuildExec.Security.Tests.Attacks;

/// <summary>The probe harness itself: a probe that crashes must fail its test, never count as a refusal.</summary>
[TestClass]
public sealed class ProbeScriptTests
{
    private const string Script = """
        import sys
        sys.argv = ["probes.py"]
        exec(open("/workspace/probes.py").read())
        def crash():
            return {}["no such key"]
        def refuse():
            raise PermissionError(1, "refused")
        attempt("crashes", crash)
        attempt("refused", refuse)
        attempt("reached", lambda: (True, "got in"))
        """;

    [TestMethod]
    public async Task A_crashing_probe_is_an_error_and_fails_every_assertion_that_reads_it()
    {
        await using var attack = new Attack(SandboxRuntime.Runc);
        var result = await attack.PythonAsync(Script);
        Assert.AreEqual(0, result.ExitCode, result.Stderr.Text);
        var run = new ProbeRun(result, ProbeRun.Parse(result.Stdout.Text), string.Empty);

        Assert.IsTrue(run.Outcomes["crashes"].Error, run.Outcomes["crashes"].ToString());
        Assert.IsNull(run.Outcomes["crashes"].Errno);
        StringAssert.Contains(run.Outcomes["crashes"].DetailText, "KeyError");
        var crashed = Assert.ThrowsExactly<AssertFailedException>(() => run.AssertRefused("crashes"));
        StringAssert.Contains(crashed.Message, "crashed");
        Assert.ThrowsExactly<AssertFailedException>(() => _ = run["crashes"].Detail);

        Assert.IsFalse(run.Outcomes["refused"].Error);
        run.AssertRefused("refused", EPERM);
        var reached = Assert.ThrowsExactly<AssertFailedException>(() => run.AssertRefused("reached"));
        StringAssert.Contains(reached.Message, "ATTACK SUCCEEDED");
    }
}
