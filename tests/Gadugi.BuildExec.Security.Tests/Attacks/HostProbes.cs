using Gadugi.BuildExec.Core.Policies;
using static Gadugi.BuildExec.Security.Tests.Attacks.Errno;

namespace Gadugi.BuildExec.Security.Tests.Attacks;

/// <summary>Host access: mounts, processes, namespaces, hostname, IPC, environment and credentials.</summary>
public abstract class HostProbes : ProbeSuite
{
    [TestMethod]
    [DataRow("undeclared_mounts")]
    [DataRow("host_processes_visible")]
    [DataRow("pid1_is_init")]
    [DataRow("own_hostname")]
    [DataRow("own_namespaces")]
    [DataRow("host_ipc_segments")]
    [DataRow("host_ipc_segment_by_id", EINVAL)]
    [DataRow("credential_locations")]
    public async Task Host_access_is_refused(string probe, params int[] errnos) =>
        (await RunAsync("host")).AssertRefused(probe, errnos);

    /// <summary>Both IPC probes can fail: a segment in the sandbox's own namespace shows up in the listing (runc; gVisor has no /proc/sysvipc) and by id (both).</summary>
    [TestMethod]
    public async Task The_ipc_listing_probe_sees_a_segment_in_its_own_namespace()
    {
        await using var attack = new Support.Attack(Runtime);
        var result = await attack.PythonAsync("import ctypes, sys\nlibc = ctypes.CDLL(None, use_errno=True)\nown = libc.shmget(0, 4096, 0o1600)\nassert own >= 0\nsys.argv = ['probes.py']\nexec(open('/workspace/probes.py').read())\nCONTEXT['host_shm_id'] = own\nhost()\n");
        var run = new Support.ProbeRun(result, Support.ProbeRun.Parse(result.Stdout.Text), string.Empty);

        Assert.AreEqual(0, result.ExitCode, result.Stderr.Text);
        Assert.AreEqual(!IsGvisor, run["host_ipc_segments"].Succeeded, run["host_ipc_segments"].ToString());
        Assert.IsTrue(run["host_ipc_segment_by_id"].Succeeded, "a segment in the same namespace is found by id: " + run["host_ipc_segment_by_id"]);
    }

    [TestMethod]
    public async Task Only_declared_paths_are_mounted_and_the_host_paths_are_the_requested_ones()
    {
        var run = await RunAsync("host");
        var all = run["undeclared_mounts"].Detail.GetProperty("all").EnumerateArray().Select(e => e.GetString()!).ToArray();

        CollectionAssert.IsSubsetOf(new[] { "/", "/workspace", "/input", "/tmp", "/output", "/proc", "/dev" }, all);
        Assert.IsTrue(run.Result.Limits!.Mounts.All(m => m.StartsWith("bind:", StringComparison.Ordinal) && (m.EndsWith("->/workspace (ro)", StringComparison.Ordinal) || m.EndsWith("->/input (ro)", StringComparison.Ordinal))), string.Join("; ", run.Result.Limits.Mounts));
        Assert.HasCount(2, run.Result.Limits.Mounts);
    }

    [TestMethod]
    public async Task Pid_1_is_the_init_and_only_the_sandbox_processes_exist()
    {
        var run = await RunAsync("host");
        var processes = run["host_processes_visible"].Detail.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);

        StringAssert.StartsWith(processes["1"], "/sbin/docker-init");
        Assert.IsLessThanOrEqualTo(8, processes.Count, string.Join("; ", processes));
        Assert.IsFalse(processes.Values.Any(c => c.Contains("dotnet", StringComparison.Ordinal) || c.Contains("dockerd", StringComparison.Ordinal)));
    }

    [TestMethod]
    public async Task A_secret_in_the_callers_environment_never_reaches_the_sandbox()
    {
        var run = await RunAsync("host");
        var dump = run["environment_dump"].DetailText;
        var own = run["environment_dump"].Detail.GetProperty("self").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();

        Assert.IsFalse(string.IsNullOrEmpty(Environment.GetEnvironmentVariable("GADUGI_SECURITY_TEST_SECRET")));
        Assert.IsFalse(dump.Contains(run.HostSecret, StringComparison.Ordinal), "the host secret leaked into the sandbox");
        Assert.IsFalse(dump.Contains("GADUGI_SECURITY_TEST_SECRET", StringComparison.Ordinal));
        CollectionAssert.IsSubsetOf(own, new[] { "HOME", "TMPDIR", "PATH", "HOSTNAME", "LANG", "LC_CTYPE" }, "only the executor's own variables (the policy allowlist is empty): " + string.Join(", ", own));
    }
}

[TestClass]
public sealed class HostProbesUnderRunc : HostProbes
{
    protected override SandboxRuntime Runtime => SandboxRuntime.Runc;
}

[TestClass]
public sealed class HostProbesUnderGvisor : HostProbes
{
    protected override SandboxRuntime Runtime => SandboxRuntime.Gvisor;
}
