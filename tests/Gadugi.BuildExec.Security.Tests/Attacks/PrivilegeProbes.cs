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
    [DataRow("setuid_helpers_powerless")]
    public async Task Privilege_attempt_is_refused(string probe, params int[] errnos) =>
        (await RunAsync("privilege")).AssertRefused(probe, errnos);

    /// <summary>
    /// Writes the sandbox user could make but for a read-only mount: the image's world-writable
    /// /var/tmp and /run/lock on the root, and a workspace and input folder open to everyone (the
    /// probe run makes them 0777). EROFS only: on a writable mount each would succeed.
    /// </summary>
    [TestMethod]
    [DataRow("write_var_tmp")]
    [DataRow("write_run_lock")]
    [DataRow("write_workspace")]
    [DataRow("write_input")]
    public async Task A_write_only_a_read_only_mount_stops_is_refused_as_read_only(string probe) =>
        (await RunAsync("privilege")).AssertRefused(probe, EROFS);

    /// <summary>
    /// Writes into the image's root-owned system folders. Linux checks the read-only mount before
    /// the folder's permissions (EROFS under runc); gVisor checks permissions first (EACCES), and the
    /// read-only root is proven under gVisor by the world-writable folders above.
    /// </summary>
    [TestMethod]
    [DataRow("write_etc")]
    [DataRow("write_usr")]
    [DataRow("write_root")]
    [DataRow("write_bin")]
    public async Task A_write_into_a_system_folder_is_refused(string probe) =>
        (await RunAsync("privilege")).AssertRefused(probe, IsGvisor ? EACCES : EROFS);

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
}

[TestClass]
public sealed class PrivilegeProbesUnderRunc : PrivilegeProbes
{
    protected override SandboxRuntime Runtime => SandboxRuntime.Runc;

    [TestMethod]
    public async Task A_seccomp_filter_is_active()
    {
        var run = await RunAsync("privilege");
        var seccomp = run.AssertRefused("seccomp_filter");

        Assert.AreEqual(2, seccomp.Detail.GetProperty("prctl").GetInt32(), "SECCOMP_MODE_FILTER");
        Assert.AreEqual("2", seccomp.Detail.GetProperty("status").GetString());
        Assert.AreEqual("1", run["no_new_privs"].Detail.GetProperty("status").GetString(), "NoNewPrivs: 1");
    }
}

[TestClass]
public sealed class PrivilegeProbesUnderGvisor : PrivilegeProbes
{
    protected override SandboxRuntime Runtime => SandboxRuntime.Gvisor;

    /// <summary>
    /// runsc does not install the OCI profile inside its kernel: every system call is served by the
    /// Sentry (its own implementation), which itself runs under gVisor's host filter.
    /// </summary>
    [TestMethod]
    public async Task No_seccomp_filter_is_installed_and_gvisors_kernel_answers_every_call()
    {
        var run = await RunAsync("privilege");

        Assert.AreEqual(0, run["seccomp_filter"].Detail.GetProperty("prctl").GetInt32());
        await AssertAnsweredByGvisorAsync();
    }
}
