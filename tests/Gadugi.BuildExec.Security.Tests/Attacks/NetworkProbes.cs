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
    [DataRow("docker_tcp_loopback", ECONNREFUSED)]
    [DataRow("raw_socket", EPERM)]
    [DataRow("packet_socket", EPERM)]
    [DataRow("udp_egress", ENETUNREACH, EHOSTUNREACH)]
    public async Task Network_attempt_is_refused(string probe, params int[] errnos) =>
        (await RunAsync("network")).AssertRefused(probe, errnos);

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
