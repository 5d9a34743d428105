using Gadugi.BuildExec.Core.Policies;
using static Gadugi.BuildExec.Security.Tests.Attacks.Errno;

namespace Gadugi.BuildExec.Security.Tests.Attacks;

/// <summary>
/// The default policy's network (none): only loopback, no resolution, nothing reachable. With no
/// route out, these attempts cannot leave the sandbox, whatever they aim at.
/// </summary>
public abstract class NetworkProbes : ProbeSuite
{
    [TestMethod]
    [DataRow("only_loopback")]
    // EAI_AGAIN only: no resolver could be asked. EAI_NONAME would mean one answered "no such name".
    [DataRow("dns_resolution", EAI_AGAIN)]
    // Straight to each nameserver of /etc/resolv.conf: unreachable, or (ENOENT) the sandbox was
    // given none, so libc could only ask loopback, inside the sandbox's own network namespace.
    [DataRow("dns_servers_direct", ENETUNREACH, EHOSTUNREACH, ENOENT)]
    [DataRow("metadata_service", ENETUNREACH, EHOSTUNREACH)]
    [DataRow("host_gateway", ENETUNREACH, EHOSTUNREACH)]
    [DataRow("docker_tcp_2375", ENETUNREACH, EHOSTUNREACH)]
    [DataRow("docker_tcp_2376", ENETUNREACH, EHOSTUNREACH)]
    // The test listens on the host's 127.0.0.1 meanwhile: the sandbox's loopback is its own, where nothing does.
    [DataRow("host_loopback_listener", ECONNREFUSED)]
    [DataRow("raw_socket", EPERM)]
    [DataRow("packet_socket", EPERM)]
    [DataRow("udp_egress", ENETUNREACH, EHOSTUNREACH)]
    public async Task Network_attempt_is_refused(string probe, params int[] errnos) =>
        (await RunAsync("network")).AssertRefused(probe, errnos);

    /// <summary>
    /// AF_VSOCK has no network namespace: on a VM-based runner it reaches the hypervisor's services
    /// whatever the policy's network. Under runc the profile allows socket() only for AF_UNIX,
    /// AF_INET, AF_INET6 and AF_NETLINK, comparing all 64 bits (so 0x1_0000_0028, which the kernel
    /// reads as 40, is refused too); gVisor's own network stack has no AF_VSOCK at all.
    /// </summary>
    [TestMethod]
    [DataRow("vsock_socket")]
    [DataRow("vsock_socket_high_bits")]
    public async Task A_vsock_socket_is_refused(string probe) =>
        (await RunAsync("network")).AssertRefused(probe, IsGvisor ? EAFNOSUPPORT : EPERM);

    /// <summary>
    /// The 32-bit ABI's socketcall keeps the family in memory, where no filter can read it. The
    /// profile covers the native 64-bit calls only, so a 32-bit call is killed (SIGSYS); on a kernel
    /// without 32-bit system calls (as gVisor, and this test machine's) the call faults (SIGSEGV).
    /// </summary>
    [TestMethod]
    public async Task A_32_bit_socketcall_cannot_open_what_socket_may_not()
    {
        var outcome = (await RunAsync("network")).AssertRefused("vsock_socketcall_32bit");

        Assert.IsNull(outcome.Errno, outcome.ToString());
        CollectionAssert.Contains(new[] { 31, 11 }, outcome.Detail.GetProperty("signal").GetInt32(), outcome.ToString());
    }

    /// <summary>
    /// Address families builds do not use, several of which load rarely exercised kernel modules
    /// (TIPC, RDS, CAN, AF_ALG have each had privilege escalations): under runc the filter refuses
    /// each with EPERM, before the kernel looks at the family; gVisor implements none of them.
    /// </summary>
    [TestMethod]
    public async Task Rare_address_families_are_refused_by_the_filter_or_unknown_to_gvisor()
    {
        var outcome = (await RunAsync("network")).AssertRefused("rare_socket_families");

        var answers = outcome.Detail.EnumerateObject().ToDictionary(family => family.Name, family => family.Value.ValueKind == System.Text.Json.JsonValueKind.Number ? family.Value.GetInt32() : -1);
        Assert.HasCount(18, answers, outcome.ToString());
        var expected = IsGvisor ? EAFNOSUPPORT : EPERM;
        Assert.IsTrue(answers.Values.All(errno => errno == expected), outcome.ToString());
    }

    [TestMethod]
    public async Task The_sandbox_has_only_a_loopback_interface()
    {
        var run = await RunAsync("network");

        Assert.AreEqual("[\"lo\"]", run["only_loopback"].DetailText);
        Assert.AreEqual("none", run.Result.Limits!.NetworkMode);
    }
}

[TestClass]
public sealed class NetworkProbesUnderRunc : NetworkProbes
{
    protected override SandboxRuntime Runtime => SandboxRuntime.Runc;
}

[TestClass]
public sealed class NetworkProbesUnderGvisor : NetworkProbes
{
    protected override SandboxRuntime Runtime => SandboxRuntime.Gvisor;
}
