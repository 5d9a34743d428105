using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Policies;
using Gadugi.BuildExec.Core.Execution.Confinement;

using Gadugi.BuildExec.Core.Engine.Docker;

namespace Gadugi.BuildExec.Core.Tests.Execution;

[TestClass]
public sealed class ContainerSpecBuilderTests
{
    private static ContainerSpecInput Input(SandboxPolicy policy, string? input = null) => new()
    {
        Request = new ExecutionRequest { Command = ["true"], Policy = policy, WorkingDirectory = "/repo", InputDirectory = input },
        ExecutionId = "abc123",
        Owner = "boot/ns/1/2",
        StartedAt = DateTimeOffset.FromUnixTimeSeconds(1_000_000),
        User = ContainerSpecBuilder.SandboxUser,
    };

    [TestMethod]
    public void The_audit_log_of_the_run_is_labelled_so_a_sweep_can_end_its_record_there()
    {
        var labelled = ContainerSpecBuilder.Build(Input(PolicyDefaults.BuiltIn["shell"]) with { AuditLog = "/home/u/.local/state/gadugi/audit.jsonl" });
        var unaudited = ContainerSpecBuilder.Build(Input(PolicyDefaults.BuiltIn["shell"]));

        Assert.AreEqual("/home/u/.local/state/gadugi/audit.jsonl", labelled.Labels![ContainerLabels.AuditLog]);
        Assert.IsFalse(unaudited.Labels!.ContainsKey(ContainerLabels.AuditLog));
    }

    [TestMethod]
    public void Hardening_is_always_on_whatever_the_policy()
    {
        var loosest = PolicyDefaults.BuiltIn["shell"] with
        {
            Network = NetworkPolicy.Bridge,
            Workspace = WorkspaceAccess.ReadWrite,
            MemoryBytes = 8L * 1024 * 1024 * 1024,
            PidsLimit = 32768,
        };

        var spec = ContainerSpecBuilder.Build(Input(loosest));
        var host = spec.HostConfig!;

        Assert.IsTrue(host.ReadonlyRootfs);
        Assert.IsFalse(host.Privileged);
        CollectionAssert.AreEqual(new[] { "ALL" }, host.CapDrop!.ToArray());
        Assert.IsEmpty(host.CapAdd!);
        CollectionAssert.Contains(host.SecurityOpt!.ToArray(), "no-new-privileges:true");
        Assert.AreEqual("10002:10002", spec.User, "the container's own processes (init, keeper) run as a uid the command (10001) cannot signal");
        Assert.AreEqual("/", spec.WorkingDir, "the keeper need not enter the workspace");
        Assert.AreEqual("private", host.IpcMode);
        Assert.AreEqual(string.Empty, host.PidMode);
        Assert.AreEqual(string.Empty, host.UTSMode);
        Assert.AreEqual(string.Empty, host.UsernsMode);
        Assert.AreEqual("none", host.LogConfig.Type);
        Assert.IsTrue(host.AutoRemove);
        Assert.IsTrue(host.Init);
        Assert.AreEqual(loosest.MemoryBytes, host.MemorySwap, "swap must equal memory: no swap on top");
        Assert.AreEqual(64L * 1024 * 1024, host.ShmSize);
        Assert.IsFalse(host.Mounts!.Any(m => m.Source!.Contains("docker.sock", StringComparison.Ordinal)));
        Assert.HasCount(1, host.Mounts!);
    }

    [TestMethod]
    public void Limits_come_from_the_policy()
    {
        var policy = PolicyDefaults.BuiltIn["python"] with { MemoryBytes = 256L * 1024 * 1024, Cpus = 0.5m, PidsLimit = 64, DiskBytes = 10L * 1024 * 1024, OpenFiles = 100 };

        var host = ContainerSpecBuilder.Build(Input(policy)).HostConfig!;

        Assert.AreEqual(256L * 1024 * 1024, host.Memory);
        Assert.AreEqual(500_000_000L, host.NanoCPUs);
        Assert.AreEqual(64L, host.PidsLimit);
        Assert.AreEqual("rw,nosuid,nodev,exec,size=10485760,nr_inodes=16384,mode=1777", host.Tmpfs!["/tmp"]);
        Assert.AreEqual("rw,nosuid,nodev,exec,size=10485760,nr_inodes=16384,mode=0755,uid=10001,gid=10001", host.Tmpfs!["/output"]);
        Assert.AreEqual(100L, host.Ulimits!.Single(u => u.Name == "nofile").Hard);
        Assert.AreEqual(0L, host.Ulimits!.Single(u => u.Name == "core").Hard);
        Assert.AreEqual("none", host.NetworkMode);
        Assert.AreEqual("runc", host.Runtime);
    }

    [TestMethod]
    public void Workspace_is_read_only_unless_the_policy_says_rw_and_input_is_always_read_only()
    {
        var readOnly = ContainerSpecBuilder.Build(Input(PolicyDefaults.BuiltIn["shell"], input: "/data"));
        var writable = ContainerSpecBuilder.Build(Input(PolicyDefaults.BuiltIn["shell"] with { Workspace = WorkspaceAccess.ReadWrite }, input: "/data"));

        Assert.IsTrue(readOnly.HostConfig!.Mounts!.Single(m => m.Target == "/workspace").ReadOnly);
        Assert.IsFalse(writable.HostConfig!.Mounts!.Single(m => m.Target == "/workspace").ReadOnly);
        Assert.IsTrue(writable.HostConfig!.Mounts!.Single(m => m.Target == "/input").ReadOnly);
        Assert.AreEqual("/data", writable.HostConfig!.Mounts!.Single(m => m.Target == "/input").Source);
    }

    [TestMethod]
    public void Container_carries_owner_and_deadline_and_ends_by_itself()
    {
        var policy = PolicyDefaults.BuiltIn["shell"] with { Timeout = TimeSpan.FromMinutes(5) };

        var spec = ContainerSpecBuilder.Build(Input(policy));

        Assert.AreEqual("true", spec.Labels![ContainerLabels.Managed]);
        Assert.AreEqual("boot/ns/1/2", spec.Labels[ContainerLabels.Owner]);
        Assert.AreEqual((1_000_000 + 300 + 120).ToString(System.Globalization.CultureInfo.InvariantCulture), spec.Labels[ContainerLabels.Deadline]);
        CollectionAssert.AreEqual(new[] { "sleep" }, spec.Entrypoint!.ToArray());
        CollectionAssert.AreEqual(new[] { "420" }, spec.Cmd!.ToArray());
    }

    [TestMethod]
    public void A_prepared_sandbox_keeper_and_deadline_outlive_its_wait_in_the_pool_plus_the_timeout()
    {
        var policy = PolicyDefaults.BuiltIn["shell"] with { Timeout = TimeSpan.FromMinutes(5) };

        var spec = ContainerSpecBuilder.Build(Input(policy) with { Reserve = TimeSpan.FromSeconds(60) });

        Assert.AreEqual((1_000_000 + 60 + 300 + 120).ToString(System.Globalization.CultureInfo.InvariantCulture), spec.Labels![ContainerLabels.Deadline]);
        CollectionAssert.AreEqual(new[] { "480" }, spec.Cmd!.ToArray());
    }

    [TestMethod]
    public void Mount_sources_go_through_the_path_mapper()
    {
        var input = Input(PolicyDefaults.BuiltIn["shell"], input: "/github/workspace/in") with { PathMapper = new PrefixMapper() };
        input = input with { Request = input.Request with { WorkingDirectory = "/github/workspace" } };

        var mounts = ContainerSpecBuilder.Build(input).HostConfig!.Mounts!;

        Assert.AreEqual("/home/runner/work/repo", mounts.Single(m => m.Target == "/workspace").Source);
        Assert.AreEqual("/home/runner/work/repo/in", mounts.Single(m => m.Target == "/input").Source);
    }

    [TestMethod]
    public void Gvisor_enforces_pids_inside_its_kernel_and_gives_the_sandbox_host_headroom()
    {
        var policy = PolicyDefaults.BuiltIn["shell"] with { Runtime = SandboxRuntime.Gvisor, PidsLimit = 100 };

        var host = ContainerSpecBuilder.Build(Input(policy) with { Runtime = "runsc" }).HostConfig!;

        Assert.AreEqual("runsc", host.Runtime);
        Assert.AreEqual(100L, host.Ulimits!.Single(u => u.Name == "nproc").Hard);
        Assert.AreEqual(ContainerSpecBuilder.GvisorHostPidsBase + (100 * ContainerSpecBuilder.GvisorHostPidsPerTask), host.PidsLimit);
    }

    [TestMethod]
    public void Runc_never_uses_rlimit_nproc_which_would_count_every_sandbox_of_uid_10001()
    {
        var host = ContainerSpecBuilder.Build(Input(PolicyDefaults.BuiltIn["shell"] with { PidsLimit = 100 })).HostConfig!;

        Assert.IsFalse(host.Ulimits!.Any(u => u.Name == "nproc"));
        Assert.AreEqual(100L, host.PidsLimit);
    }

    [TestMethod]
    public void Allowlist_sandboxes_get_pinned_hosts_a_dead_resolver_and_no_ipv6()
    {
        var input = Input(PolicyDefaults.BuiltIn["shell"]) with { NetworkMode = "gadugi-abc123", ExtraHosts = ["mirror.internal:10.1.2.3"], Dns = ["127.0.0.1"] };

        var spec = ContainerSpecBuilder.Build(input);

        Assert.IsFalse(spec.NetworkDisabled);
        Assert.AreEqual("gadugi-abc123", spec.HostConfig!.NetworkMode);
        CollectionAssert.AreEqual(new[] { "mirror.internal:10.1.2.3" }, spec.HostConfig.ExtraHosts!.ToArray());
        CollectionAssert.AreEqual(new[] { "127.0.0.1" }, spec.HostConfig.DNS!.ToArray());
        Assert.AreEqual("1", spec.HostConfig.Sysctls!["net.ipv6.conf.all.disable_ipv6"]);
    }

    [TestMethod]
    public void Every_execution_carries_the_default_seccomp_profile()
    {
        var spec = ContainerSpecBuilder.Build(Input(PolicyDefaults.BuiltIn["shell"]) with { SeccompProfileJson = SeccompProfiles.Default });

        CollectionAssert.Contains(spec.HostConfig!.SecurityOpt!.ToArray(), "seccomp=" + SeccompProfiles.Default);
    }

    private sealed class PrefixMapper : IEnginePathMapper
    {
        public string ToEnginePath(string localPath) => localPath.Replace("/github/workspace", "/home/runner/work/repo", StringComparison.Ordinal);
    }

    [TestMethod]
    [DataRow("10001:10001", "10002:10002")]
    [DataRow("1000:1000", "10002:10002")]
    [DataRow("10002:10002", "10003:10003")]
    public void The_keeper_never_shares_the_commands_uid(string commandUser, string keeperUser)
    {
        var spec = ContainerSpecBuilder.Build(Input(PolicyDefaults.BuiltIn["shell"]) with { User = commandUser });

        Assert.AreEqual(keeperUser, spec.User);
        StringAssert.Contains(spec.HostConfig!.Tmpfs!["/output"], $"uid={commandUser.Split(':')[0]},", "the command's own tmpfs stay the command's");
    }
}
