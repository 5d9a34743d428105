using Gadugi.BuildExec.Core.Policies;
using Gadugi.BuildExec.Security.Tests.Support;
using static Gadugi.BuildExec.Security.Tests.Attacks.Errno;

namespace Gadugi.BuildExec.Security.Tests.Attacks;

/// <summary>Breaking out: the engine socket, /proc and /sys writes, mounts, namespaces, kernel interfaces, devices, descriptors, binaries.</summary>
public abstract class EscapeProbes : ProbeSuite
{
    /// <summary>Probes that gVisor's kernel lets succeed inside its own sandbox (see <see cref="Gvisor_answers_namespace_and_io_uring_calls_itself"/>).</summary>
    private protected static readonly string[] GvisorServed = ["unshare_user", "unshare_mount", "unshare_cgroup", "clone_newuser", "clone_newns", "io_uring_setup"];

    [TestMethod]
    [DataRow("docker_socket_anywhere")]
    [DataRow("docker_socket_connect", ENOENT)]
    [DataRow("proc_sys_write", EACCES, EROFS, ENOENT)]
    [DataRow("sysrq_trigger_write", ENOENT, EACCES, EROFS)]
    [DataRow("core_pattern_write", EACCES, EROFS, ENOENT)]
    [DataRow("modprobe_path_write", EACCES, EROFS, ENOENT)]
    [DataRow("uevent_helper_write", EACCES, EROFS, ENOENT)]
    [DataRow("cgroupfs_write", EROFS, EACCES, ENOENT, EPERM)]
    [DataRow("mount_cgroup", EPERM)]
    [DataRow("mount_proc", EPERM)]
    [DataRow("mount_tmpfs", EPERM)]
    [DataRow("release_agent_writable")]
    [DataRow("unshare_user", EPERM)]
    [DataRow("unshare_mount", EPERM)]
    [DataRow("unshare_net", EPERM)]
    [DataRow("unshare_pid", EPERM)]
    [DataRow("unshare_ipc", EPERM)]
    [DataRow("unshare_uts", EPERM)]
    [DataRow("unshare_cgroup", EPERM)]
    [DataRow("unshare_then_release_agent")]
    [DataRow("clone_newuser", EPERM)]
    [DataRow("clone_newns", EPERM)]
    [DataRow("setns", EPERM, EOPNOTSUPP)]
    [DataRow("init_module", EPERM)]
    [DataRow("finit_module", EPERM)]
    [DataRow("delete_module", EPERM)]
    [DataRow("add_key", EPERM, EACCES)]
    [DataRow("keyctl", EPERM, EACCES)]
    [DataRow("request_key", EPERM, EACCES)]
    [DataRow("bpf", EPERM)]
    [DataRow("perf_event_open", EPERM, ENODEV)]
    [DataRow("userfaultfd", EPERM, ENOSYS)]
    [DataRow("io_uring_setup", EPERM)]
    [DataRow("open_by_handle_at", EPERM, EOPNOTSUPP)]
    [DataRow("name_to_handle_at", EPERM, EOPNOTSUPP)]
    [DataRow("ptrace_attach_init", EPERM)]
    [DataRow("kexec_load", EPERM)]
    [DataRow("pivot_root", EPERM)]
    [DataRow("chroot", EPERM)]
    [DataRow("personality_no_aslr", EPERM, EINVAL)]
    [DataRow("personality_high_bits", EPERM, EINVAL)]
    [DataRow("clone3_newuser", ENOSYS)]
    [DataRow("fsopen", EPERM, ENOSYS)]
    [DataRow("open_tree", EPERM, ENOSYS)]
    [DataRow("move_mount", EPERM, ENOSYS)]
    [DataRow("fspick", EPERM, ENOSYS)]
    [DataRow("mount_setattr", EPERM, ENOSYS)]
    [DataRow("terminal_injection")]
    [DataRow("mknod_char_device", EPERM, ENXIO)]
    [DataRow("mknod_block_device", EPERM, ENXIO)]
    [DataRow("masked_proc_sys_entries")]
    [DataRow("kallsyms_addresses")]
    [DataRow("leaked_host_descriptors")]
    // The image's binaries and the engine's init belong to root (EACCES before the kernel's
    // ETXTBSY for a running binary, which any executable would give); the executables of the
    // sandbox's own processes cannot even be opened (another uid). The runtime's own binary, the
    // target of CVE-2019-5736, is attacked in SandboxMachineryAttacks.
    [DataRow("overwrite_proc_self_exe", EACCES)]
    [DataRow("overwrite_init_exe", EACCES)]
    [DataRow("overwrite_any_exe", EACCES, ENOENT)]
    [DataRow("overwrite_docker_init", EACCES)]
    [DataRow("writable_system_files")]
    public async Task Escape_attempt_is_refused(string probe, params int[] errnos)
    {
        var run = await RunAsync("escape");
        if (IsGvisor && GvisorServed.Contains(probe))
        {
            // Inside gVisor these calls are implemented by the Sentry for the sandbox's own emulated
            // kernel: the namespace or ring exists only there. gVisor's exact answer is asserted (so
            // a change in it fails here), then that nothing reaches the host kernel and that the
            // escalations that follow them fail.
            AssertGvisorServes(run, probe);
            await AssertAnsweredByGvisorAsync();
            AssertEscalationAfterUnshareFails(run);
            return;
        }

        run.AssertRefused(probe, errnos);
    }

    /// <summary>
    /// gVisor's exact answer for a call its Sentry serves itself: it succeeds, with the result a real
    /// kernel would give (0 for unshare, the child's pid for clone, a descriptor for io_uring_setup).
    /// Still safe: the namespace or ring is a Sentry object; the host kernel never sees the call
    /// (gVisor's own host seccomp filter does not even allow the Sentry to make it).
    /// </summary>
    private protected static void AssertGvisorServes(ProbeRun run, string probe)
    {
        var outcome = run[probe];
        Assert.IsTrue(outcome.Succeeded, "gVisor's answer changed, re-examine why it is safe: " + outcome);
        Assert.IsNull(outcome.Errno, outcome.ToString());
        if (probe.StartsWith("unshare_", StringComparison.Ordinal))
        {
            StringAssert.EndsWith(outcome.DetailText, "exit/errno 0", outcome.ToString());
        }
        else
        {
            StringAssert.Matches(outcome.DetailText, new System.Text.RegularExpressions.Regex(@"^syscall \d+ returned [1-9]\d*, errno 0"), "a child pid or a descriptor: " + outcome);
        }
    }

    /// <summary>
    /// The CVE-2022-0492 path under gVisor: the user and mount namespaces are granted (by the Sentry),
    /// and the cgroup mount that would reach a release_agent is refused (exit 200 of the probe's child).
    /// </summary>
    private protected static void AssertEscalationAfterUnshareFails(ProbeRun run)
    {
        var chain = run.AssertRefused("unshare_then_release_agent");
        Assert.AreEqual("unshare worked, cgroup mount refused", chain.DetailText, chain.ToString());
        run.AssertRefused("mount_cgroup", EPERM);
    }

    /// <summary>
    /// The probes refused without an errno: each must say why, so a probe that stopped looking (or
    /// found nothing to look at) cannot pass as a refusal.
    /// </summary>
    [TestMethod]
    [DataRow("release_agent_writable", "no release_agent visible")]
    [DataRow("masked_proc_sys_entries", "all empty or unreadable")]
    [DataRow("leaked_host_descriptors", "all descriptors, working directories and roots of ")]
    [DataRow("writable_system_files", "no writable file under /usr /bin /sbin /lib /etc")]
    public async Task A_refusal_without_an_errno_states_its_reason(string probe, string reason)
    {
        var outcome = (await RunAsync("escape")).AssertRefused(probe);

        Assert.IsNull(outcome.Errno, outcome.ToString());
        StringAssert.StartsWith(outcome.DetailText, reason, outcome.ToString());
    }

    [TestMethod]
    public async Task Kernel_symbols_are_hidden_or_absent()
    {
        var outcome = (await RunAsync("escape")).AssertRefused("kallsyms_addresses");
        if (IsGvisor)
        {
            Assert.AreEqual(ENOENT, outcome.Errno, "gVisor has no /proc/kallsyms: " + outcome);
        }
        else
        {
            Assert.AreEqual("addresses hidden", outcome.DetailText, outcome.ToString());
        }
    }

    [TestMethod]
    public async Task The_release_agent_chain_stops_where_the_runtime_says()
    {
        var outcome = (await RunAsync("escape")).AssertRefused("unshare_then_release_agent");
        if (IsGvisor)
        {
            Assert.AreEqual("unshare worked, cgroup mount refused", outcome.DetailText, outcome.ToString());
        }
        else
        {
            Assert.AreEqual(EPERM, outcome.Errno, "runc's seccomp refuses the unshare itself: " + outcome);
        }
    }

    /// <summary>Directories of the images that uid 10001 cannot read (root's, mode 0700): nor can it reach a socket inside them.</summary>
    private static readonly string[] ExpectedUnreadable = ["/etc/ssl/private: Permission denied", "/root: Permission denied"];

    [TestMethod]
    public async Task The_socket_search_covers_dev_and_names_the_directories_it_could_not_read()
    {
        var run = await RunAsync("escape");
        var detail = run.AssertRefused("docker_socket_anywhere").Detail;

        Assert.AreEqual(0, detail.GetProperty("sockets").GetArrayLength(), detail.ToString());
        var unreadable = detail.GetProperty("unreadable").EnumerateArray().Select(e => e.GetString()!).ToArray();
        CollectionAssert.IsSubsetOf(unreadable, ExpectedUnreadable, "a directory the socket search could not read: " + string.Join("; ", unreadable));
    }

    [TestMethod]
    public async Task No_device_opens_onto_hardware()
    {
        var run = await RunAsync("escape");
        var detail = run["device_nodes"].Detail;
        var opened = detail.GetProperty("opened").EnumerateArray().Select(e => e.GetString()!).ToArray();
        var blocks = detail.GetProperty("block_devices").EnumerateArray().Select(e => e.GetString()!).ToArray();

        Assert.IsEmpty(blocks, "no block device may be visible");
        if (IsGvisor)
        {
            // gVisor's own kernel offers FUSE and TUN as emulated devices; neither is the host's
            // (configuring a TUN needs CAP_NET_ADMIN, a FUSE mount needs mount(2): both refused).
            Assert.IsTrue(opened.All(p => p is "/dev/fuse" or "/dev/net/tun"), string.Join(", ", opened));
            await AssertAnsweredByGvisorAsync();
        }
        else
        {
            Assert.IsEmpty(opened, string.Join(", ", opened));
            run.AssertRefused("device_nodes");
        }
    }
}

[TestClass]
public sealed class EscapeProbesUnderRunc : EscapeProbes
{
    protected override SandboxRuntime Runtime => SandboxRuntime.Runc;

    [TestMethod]
    public async Task Runc_refuses_even_harmless_looking_kernel_interfaces_with_eperm_from_seccomp()
    {
        var run = await RunAsync("escape");
        foreach (var probe in new[] { "io_uring_setup", "userfaultfd", "perf_event_open", "bpf", "add_key", "keyctl", "unshare_user", "clone_newuser", "open_by_handle_at", "kexec_load", "init_module", "fsopen", "open_tree", "move_mount", "fspick", "mount_setattr", "personality_high_bits" }.Concat(GvisorServed))
        {
            run.AssertRefused(probe, EPERM);
        }

        var identity = run["kernel_identity"].Detail;
        Assert.AreEqual(EPERM, identity.GetProperty("log_errno").GetInt32(), "the kernel log (syslog) is denied by the profile");
    }
}

[TestClass]
public sealed class EscapeProbesUnderGvisor : EscapeProbes
{
    protected override SandboxRuntime Runtime => SandboxRuntime.Gvisor;

    [TestMethod]
    public async Task Gvisor_answers_namespace_and_io_uring_calls_itself()
    {
        var run = await RunAsync("escape");
        await AssertAnsweredByGvisorAsync();
        foreach (var probe in GvisorServed)
        {
            AssertGvisorServes(run, probe);
        }

        // The other namespace kinds need CAP_SYS_ADMIN in gVisor too: refused like under runc.
        foreach (var probe in new[] { "unshare_net", "unshare_pid", "unshare_ipc", "unshare_uts" })
        {
            run.AssertRefused(probe, EPERM);
        }

        AssertEscalationAfterUnshareFails(run);
    }
}
