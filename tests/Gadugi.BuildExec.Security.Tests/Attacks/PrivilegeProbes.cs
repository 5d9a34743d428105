using Gadugi.BuildExec.Core.Policies;
using static Gadugi.BuildExec.Security.Tests.Attacks.Errno;

namespace Gadugi.BuildExec.Security.Tests.Attacks;

/// <summary>Privilege: who the command is, what it may do, and what it may write.</summary>
public abstract class PrivilegeProbes : ProbeSuite
{
    [TestMethod]
    [DataRow("uid_gid_not_root")]
    [DataRow("capabilities_empty")]
    [DataRow("no_new_privs")]
    [DataRow("setuid_binaries")]
    [DataRow("setuid_root", EPERM)]
    [DataRow("capset_raise", EPERM)]
    [DataRow("unset_no_new_privs", EINVAL)]
    [DataRow("setuid_helpers_powerless")]
    [DataRow("write_etc", EROFS, EACCES)]
    [DataRow("write_usr", EROFS, EACCES)]
    [DataRow("write_root", EROFS, EACCES)]
    [DataRow("write_bin", EROFS, EACCES)]
    [DataRow("write_workspace", EROFS, EACCES)]
    [DataRow("write_input", EROFS, EACCES)]
    public async Task Privilege_attempt_is_refused(string probe, params int[] errnos) =>
        (await RunAsync("privilege")).AssertRefused(probe, errnos);

    /// <summary>The privilege probes refused without an errno must say why (not merely fail to look).</summary>
    [TestMethod]
    [DataRow("setuid_binaries", "no setuid/setgid file")]
    [DataRow("setuid_helpers_powerless", "no setuid helper, su ")]
    public async Task A_refusal_without_an_errno_states_its_reason(string probe, string reason)
    {
        var outcome = (await RunAsync("privilege")).AssertRefused(probe);

        Assert.IsNull(outcome.Errno, outcome.ToString());
        StringAssert.StartsWith(outcome.DetailText, reason, outcome.ToString());
    }

    [TestMethod]
    public async Task Command_runs_as_uid_10001_with_every_capability_set_empty()
    {
        var run = await RunAsync("privilege");
        var ids = run["uid_gid_not_root"].Detail;
        var caps = run["capabilities_empty"].Detail;

        Assert.AreEqual(10001, ids.GetProperty("uid").GetInt32());
        Assert.AreEqual(10001, ids.GetProperty("euid").GetInt32());
        Assert.AreEqual(10001, ids.GetProperty("gid").GetInt32());
        foreach (var set in new[] { "CapInh", "CapPrm", "CapEff", "CapBnd" })
        {
            Assert.AreEqual("0000000000000000", caps.GetProperty(set).GetString(), set);
        }

        // gVisor's /proc/self/status has no CapAmb line; runc's must show it empty too.
        Assert.AreEqual(IsGvisor ? "?" : "0000000000000000", caps.GetProperty("CapAmb").GetString());
        Assert.AreEqual(1, run["no_new_privs"].Detail.GetProperty("prctl").GetInt32(), "PR_GET_NO_NEW_PRIVS");
    }

    [TestMethod]
    public async Task A_seccomp_filter_is_active()
    {
        var run = await RunAsync("privilege");
        var seccomp = run["seccomp_filter"];
        if (IsGvisor)
        {
            // runsc does not install the OCI profile inside its kernel: every system call is served
            // by the Sentry (its own implementation), which itself runs under gVisor's host filter.
            Assert.AreEqual(0, seccomp.Detail.GetProperty("prctl").GetInt32());
            await AssertAnsweredByGvisorAsync();
            return;
        }

        run.AssertRefused("seccomp_filter");
        Assert.AreEqual(2, seccomp.Detail.GetProperty("prctl").GetInt32(), "SECCOMP_MODE_FILTER");
        Assert.AreEqual("2", seccomp.Detail.GetProperty("status").GetString());
        Assert.AreEqual("1", seccomp.Detail.GetProperty("status").GetString() == "2" ? run["no_new_privs"].Detail.GetProperty("status").GetString() : null, "NoNewPrivs: 1");
    }
}

[TestClass]
public sealed class PrivilegeProbesUnderRunc : PrivilegeProbes
{
    protected override SandboxRuntime Runtime => SandboxRuntime.Runc;
}

[TestClass]
public sealed class PrivilegeProbesUnderGvisor : PrivilegeProbes
{
    protected override SandboxRuntime Runtime => SandboxRuntime.Gvisor;
}
