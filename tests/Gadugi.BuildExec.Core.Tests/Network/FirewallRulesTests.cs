using System.Net;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Network;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Core.Tests.Network;

[TestClass]
public sealed class FirewallRulesTests
{
    private const string Id = "0123456789ab";

    private static AllowedDestination Entry(string text, params string[] addresses) =>
        new(PolicyValueParser.ParseDestination(text)!, addresses.Length == 0 ? [IPAddress.Parse(text.Split(':', '/')[0])] : addresses.Select(IPAddress.Parse).ToArray());

    private static string[] Lines(IEnumerable<string[]> commands) => commands.Select(c => string.Join(' ', c)).ToArray();

    [TestMethod]
    public void Allowed_destinations_pass_and_everything_else_is_refused_last()
    {
        var lines = Lines(FirewallRules.Install(Id, [Entry("10.20.0.5:8080"), Entry("192.168.50.0/24")]));

        CollectionAssert.Contains(lines, "-A GBX-0123456789ab -d 10.20.0.5/32 -p tcp --dport 8080 -j ACCEPT");
        CollectionAssert.Contains(lines, "-A GBX-0123456789ab -d 10.20.0.5/32 -p udp --dport 8080 -j ACCEPT");
        CollectionAssert.Contains(lines, "-A GBX-0123456789ab -d 192.168.50.0/24 -j ACCEPT");
        var chain = lines.Where(l => l.StartsWith("-A GBX-", StringComparison.Ordinal)).ToArray();
        Assert.AreEqual("-A GBX-0123456789ab -j REJECT --reject-with icmp-admin-prohibited", chain[^1]);
        Assert.IsLessThan(Array.IndexOf(chain, "-A GBX-0123456789ab -d 10.20.0.5/32 -p tcp --dport 8080 -j ACCEPT"), Array.IndexOf(chain, "-A GBX-0123456789ab -d 169.254.0.0/16 -j REJECT --reject-with icmp-admin-prohibited"), "metadata is refused before any allow rule");
    }

    [TestMethod]
    public void The_host_is_reachable_only_through_exact_addresses_never_through_a_network()
    {
        var lines = Lines(FirewallRules.Install(Id, [Entry("10.20.0.5:8080"), Entry("0.0.0.0/0")]));

        var hostChain = lines.Where(l => l.StartsWith("-A GBXH-", StringComparison.Ordinal)).ToArray();
        CollectionAssert.Contains(hostChain, "-A GBXH-0123456789ab -d 10.20.0.5/32 -p tcp --dport 8080 -j ACCEPT");
        Assert.IsFalse(hostChain.Any(l => l.Contains("0.0.0.0/0", StringComparison.Ordinal)), "a network entry must not open the host");
        CollectionAssert.Contains(lines, "-A GBX-0123456789ab -d 169.254.0.0/16 -j REJECT --reject-with icmp-admin-prohibited", "0.0.0.0/0 does not name the metadata service");
    }

    [TestMethod]
    public void Naming_a_link_local_address_lets_it_through()
    {
        var lines = Lines(FirewallRules.Install(Id, [Entry("169.254.169.254:80")]));

        Assert.IsFalse(lines.Any(l => l.Contains("169.254.0.0/16 -j REJECT", StringComparison.Ordinal)));
        CollectionAssert.Contains(lines, "-A GBX-0123456789ab -d 169.254.169.254/32 -p tcp --dport 80 -j ACCEPT");
    }

    [TestMethod]
    public void Jumps_are_added_last_and_removed_first_on_the_executions_own_bridge()
    {
        var install = Lines(FirewallRules.Install(Id, [Entry("10.0.0.1")]));
        var remove = Lines(FirewallRules.Remove(Id));

        Assert.AreEqual("-I DOCKER-USER 1 -i gbx0123456789ab -j GBX-0123456789ab", install[^1]);
        Assert.AreEqual("-D DOCKER-USER -i gbx0123456789ab -j GBX-0123456789ab", remove[0]);
        Assert.AreEqual("-X GBXH-0123456789ab", remove[^1]);
        Assert.HasCount(15, "gbx0123456789ab", "interface names have at most 15 characters");
        Assert.AreEqual(Id, FirewallRules.ExecutionIdOf("GBX-0123456789ab"));
        Assert.AreEqual(Id, FirewallRules.ExecutionIdOf("GBXH-0123456789ab"));
        Assert.IsNull(FirewallRules.ExecutionIdOf("DOCKER-USER"));
        Assert.IsNull(FirewallRules.ExecutionIdOf("GBX-notanid"));
    }

    [TestMethod]
    public async Task Host_names_are_pinned_to_their_ipv4_addresses_at_run_start()
    {
        var policy = PolicyDefaults.BuiltIn["shell"] with { Network = new NetworkPolicy(NetworkMode.Allowlist, [PolicyValueParser.ParseDestination("pypi-mirror.internal:443")!]) };

        var resolved = await DestinationResolver.ResolveAsync(policy, (_, _) => Task.FromResult(new[] { IPAddress.Parse("10.1.2.4"), IPAddress.Parse("10.1.2.3"), IPAddress.IPv6Loopback }), CancellationToken.None);

        var only = resolved.Single();
        CollectionAssert.AreEqual(new[] { "10.1.2.3/32", "10.1.2.4/32" }, only.Networks.ToArray());
        Assert.AreEqual("pypi-mirror.internal:443 (= 10.1.2.3, 10.1.2.4)", only.ToString());
    }

    [TestMethod]
    public async Task An_unresolvable_host_name_is_a_coded_error()
    {
        var policy = PolicyDefaults.BuiltIn["shell"] with { Network = new NetworkPolicy(NetworkMode.Allowlist, [PolicyValueParser.ParseDestination("nowhere.invalid:443")!]) };

        var error = await Assert.ThrowsExactlyAsync<GadugiException>(() => DestinationResolver.ResolveAsync(policy, (_, _) => throw new System.Net.Sockets.SocketException(11001), CancellationToken.None));

        Assert.AreEqual("GBX3005", error.Code);
        StringAssert.Contains(error.Message, "nowhere.invalid");
    }
}
