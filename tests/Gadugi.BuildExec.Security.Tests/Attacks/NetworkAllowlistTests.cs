using System.Net;
using System.Text.Json;
using Docker.DotNet.Models;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Network;
using Gadugi.BuildExec.Core.Policies;
using Gadugi.BuildExec.Security.Tests.Support;
using static Gadugi.BuildExec.Security.Tests.Attacks.Errno;
using Gadugi.BuildExec.Core.Execution.Sandbox;
using Gadugi.BuildExec.Core.Engine.Docker;

namespace Gadugi.BuildExec.Security.Tests.Attacks;

/// <summary>
/// network: { allow: [...] } enforced by the host firewall on a per-execution bridge, tested only
/// against servers these tests start on networks they create on this machine.
/// </summary>
[TestClass]
public sealed class NetworkAllowlistTests
{
    private const string PinnedName = "pinned-b.gadugi.test";
    private static TestNetworks servers = null!;

    [ClassInitialize]
    public static async Task StartServers(TestContext context)
    {
        _ = context;
        servers = await TestNetworks.StartAsync();
    }

    [ClassCleanup]
    public static async Task StopServers()
    {
        if (servers is not null)
        {
            await servers.DisposeAsync();
        }
    }

    private static SandboxPolicy AllowPolicy(SandboxRuntime runtime = SandboxRuntime.Runc) => PolicyDefaults.BuiltIn["python"] with
    {
        Runtime = runtime,
        Timeout = TimeSpan.FromMinutes(2),
        Network = new NetworkPolicy(NetworkMode.Allowlist, [PolicyValueParser.ParseDestination($"{servers.ServerA}:8080")!, PolicyValueParser.ParseDestination($"{PinnedName}:8080")!]),
    };

    private static ExecutorOptions Options => new()
    {
        // The allowlisted name resolves, on the host at run start, to server B.
        HostLookup = (host, _) => Task.FromResult(host == PinnedName ? new[] { IPAddress.Parse(servers.ServerB) } : throw new System.Net.Sockets.SocketException(11001)),
    };

    private static async Task<(ExecutionResult Result, Dictionary<string, JsonElement> Outcomes)> ProbeAsync(Attack attack, SandboxPolicy policy, Dictionary<string, string> targets)
    {
        await File.WriteAllTextAsync(Path.Combine(attack.Workspace, "targets.json"), JsonSerializer.Serialize(targets));
        var result = await attack.RunAsync(policy, "python3", "/workspace/connect.py");
        Assert.AreEqual(0, result.ExitCode, result.Stderr.Text);
        var outcomes = result.Stdout.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone())
            .ToDictionary(e => e.GetProperty("target").GetString()!, e => e);
        return (result, outcomes);
    }

    [TestMethod]
    public async Task Only_allowlisted_destinations_connect_everything_else_is_refused()
    {
        await using var attack = new Attack(SandboxRuntime.Runc, Options);
        var targets = new Dictionary<string, string>
        {
            ["allowed_by_address"] = $"{servers.ServerA}:8080",
            ["allowed_by_pinned_name"] = $"{PinnedName}:8080",
            ["same_host_other_port"] = $"{servers.ServerA}:8081",
            ["other_host_same_network"] = $"{servers.ServerC}:8080",
            ["pinned_host_other_port"] = $"{servers.ServerB}:8081",
            ["host_via_gateway"] = $"@gateway:{servers.HostPort}",
            ["metadata_service"] = $"{TestNetworks.MetadataLike}:80",
        };

        var (result, outcomes) = await ProbeAsync(attack, AllowPolicy(), targets);

        Assert.AreEqual("A:8080", outcomes["allowed_by_address"].GetProperty("reply").GetString(), outcomes["allowed_by_address"].ToString());
        Assert.AreEqual("B:8080", outcomes["allowed_by_pinned_name"].GetProperty("reply").GetString(), outcomes["allowed_by_pinned_name"].ToString());
        foreach (var refused in new[] { "same_host_other_port", "other_host_same_network", "pinned_host_other_port", "host_via_gateway", "metadata_service" })
        {
            var outcome = outcomes[refused];
            Assert.IsFalse(outcome.GetProperty("connected").GetBoolean(), $"{refused} connected: {outcome}");
            CollectionAssert.Contains(new[] { ECONNREFUSED, EHOSTUNREACH }, outcome.GetProperty("errno").GetInt32(), $"{refused}: refused by the firewall, not timed out: {outcome}");
        }

        StringAssert.Contains(outcomes["hosts"].GetProperty("reply").GetString(), $"{servers.ServerB}\t{PinnedName}", "the name is pinned to the address resolved at run start");
        StringAssert.Contains(outcomes["interfaces"].GetProperty("reply").GetString(), "eth0");
        Assert.AreEqual("1", outcomes["ipv6_disabled"].GetProperty("reply").GetString(), "IPv6 would bypass the IPv4 rules");
        var applied = result.Events.Single(e => e.Kind == "network_allowlist").Detail;
        StringAssert.Contains(applied, $"{servers.ServerA}:8080");
        StringAssert.Contains(applied, $"{PinnedName}:8080 (= {servers.ServerB})");
        var audit = File.ReadAllText(attack.AuditLogPath);
        StringAssert.Contains(audit, "network_allowlist");
        StringAssert.Contains(audit, servers.ServerB, "the pinned address is in the audit record");
        HostFirewall.AssertNoRulesFor(result.ExecutionId);
    }

    private const string DnsScript = """
        import json, os, re, socket, time
        def wait_for(name):
            for _ in range(600):
                if os.path.exists("/workspace/" + name):
                    return
                time.sleep(0.1)
        # the engine bind-mounts /etc/resolv.conf from its containers/<id>/ folder
        cid = re.search(r"containers/([0-9a-f]{64})/", open("/proc/self/mountinfo").read()).group(1)
        gateway = None
        for row in open("/proc/net/route").read().splitlines()[1:]:
            fields = row.split()
            if fields[1] == "00000000":
                gateway = socket.inet_ntoa(int(fields[2], 16).to_bytes(4, "little"))
        print(json.dumps({"container": cid, "gateway": gateway}), flush=True)
        wait_for("listening")
        try:
            answer = {"resolved": socket.getaddrinfo("gadugi-probe.invalid", 443), "errno": None}
        except OSError as e:
            answer = {"resolved": None, "errno": e.errno, "error": str(e)}
        answer["resolv.conf"] = open("/etc/resolv.conf").read()
        # A resolver on the bridge's gateway (dnsmasq, systemd-resolved on the host) asked directly:
        # the test runs one there meanwhile.
        query = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01"
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.settimeout(2)
        try:
            probe.connect((gateway, 53))
            probe.send(query)
            answer["gateway_dns"] = {"gateway": gateway, "answered": len(probe.recv(512)) > 0, "errno": None}
        except OSError as e:
            answer["gateway_dns"] = {"gateway": gateway, "answered": False, "errno": e.errno, "error": str(e)}
        print(json.dumps(answer), flush=True)
        wait_for("inspected")
        """;

    [TestMethod]
    public async Task Dns_queries_cannot_leave_an_allowlist_sandbox()
    {
        await using var attack = new Attack(SandboxRuntime.Runc, Options);
        var sink = new LineSink();
        var running = attack.RunAsync(new ExecutionRequest { Command = ["python3", "-c", DnsScript], Policy = AllowPolicy(), WorkingDirectory = attack.Workspace, Output = sink });
        JsonElement answer;
        try
        {
            var first = JsonDocument.Parse(await FirstLineOrFailureAsync(sink.Line(0), running)).RootElement.Clone();

            // A DNS server on the gateway (the host's side of the bridge), which answers the host itself.
            var gateway = first.GetProperty("gateway").GetString()!;
            using var server = DnsResponder.Start(gateway);
            Assert.IsTrue(await DnsResponder.AnswersAsync(gateway), "the planted server must answer, or its silence proves nothing");
            await File.WriteAllTextAsync(Path.Combine(attack.Workspace, "listening"), string.Empty);
            answer = JsonDocument.Parse(await FirstLineOrFailureAsync(sink.Line(1), running)).RootElement.Clone();

            // While it runs: the engine's embedded resolver (127.0.0.11 in the sandbox) is told to forward
            // only to 127.0.0.1, i.e. to the sandbox's own loopback, where nothing answers.
            using var engine = await EngineConnection.ConnectAsync();
            var inspect = await engine.Client.Containers.InspectContainerAsync(first.GetProperty("container").GetString()!);
            CollectionAssert.AreEqual(new[] { "127.0.0.1" }, (inspect.HostConfig!.DNS ?? []).ToArray(), "DNS must point nowhere useful");
            Assert.IsTrue(inspect.HostConfig.DNSSearch is null || inspect.HostConfig.DNSSearch.Count == 0);
        }
        finally
        {
            await File.WriteAllTextAsync(Path.Combine(attack.Workspace, "listening"), string.Empty);
            await File.WriteAllTextAsync(Path.Combine(attack.Workspace, "inspected"), string.Empty);
        }

        var result = await running;

        Assert.AreEqual(0, result.ExitCode, result.Stderr.Text);
        var resolv = answer.GetProperty("resolv.conf").GetString()!;
        StringAssert.Contains(resolv, "nameserver 127.0.0.11");
        Assert.AreEqual(JsonValueKind.Null, answer.GetProperty("resolved").ValueKind, "a name resolved inside an allowlist sandbox: " + answer);
        Assert.AreEqual(EAI_AGAIN, answer.GetProperty("errno").GetInt32(), "no resolver could be reached (not \"no such name\" from a real one): " + answer);
        var gatewayDns = answer.GetProperty("gateway_dns");
        Assert.IsFalse(gatewayDns.GetProperty("answered").GetBoolean(), "the DNS server on the gateway answered: " + gatewayDns);
        CollectionAssert.Contains(new[] { ECONNREFUSED, EHOSTUNREACH }, gatewayDns.GetProperty("errno").GetInt32(), "refused by the firewall, not timed out: " + gatewayDns);
    }

    private static async Task<string> FirstLineOrFailureAsync(Task<string> line, Task<ExecutionResult> running) =>
        await Task.WhenAny(line, running) == line ? await line : throw new AssertFailedException("the sandbox ended early: " + (await running).Stderr.Text);

    /// <summary>Blocked unless named: each kind of allowlist entry opens exactly what it names.</summary>
    [TestMethod]
    public async Task A_named_link_local_address_host_address_or_cidr_is_reached_and_nothing_beside_it()
    {
        await using var attack = new Attack(SandboxRuntime.Runc, Options);
        var host = await DockerBridge.GatewayAsync();
        var lanPrefix = servers.ServerA[..(servers.ServerA.LastIndexOf('.') + 1)];
        Assert.IsTrue(servers.ServerB.StartsWith(lanPrefix, StringComparison.Ordinal), $"A ({servers.ServerA}) and B ({servers.ServerB}) share a /24");
        var metadata = $"{TestNetworks.MetadataLike}:80";
        var hostPort = $"{host}:{servers.HostPort}";

        async Task<Dictionary<string, JsonElement>> ProbeWith(string allowed, Dictionary<string, string> targets)
        {
            var policy = AllowPolicy() with { Network = new NetworkPolicy(NetworkMode.Allowlist, [PolicyValueParser.ParseDestination(allowed)!]) };
            var (result, outcomes) = await ProbeAsync(attack, policy, targets);
            HostFirewall.AssertNoRulesFor(result.ExecutionId);
            return outcomes;
        }

        static void Reached(Dictionary<string, JsonElement> outcomes, string target, string reply) =>
            Assert.AreEqual(reply, outcomes[target].GetProperty("reply").GetString(), $"{target}: {outcomes[target]}");

        static void Refused(Dictionary<string, JsonElement> outcomes, string target)
        {
            Assert.IsFalse(outcomes[target].GetProperty("connected").GetBoolean(), $"{target} connected: {outcomes[target]}");
            CollectionAssert.Contains(new[] { ECONNREFUSED, EHOSTUNREACH }, outcomes[target].GetProperty("errno").GetInt32(), $"{target}: refused by the firewall: {outcomes[target]}");
        }

        var metadataAllowed = await ProbeWith(metadata, new() { ["metadata"] = metadata, ["lan"] = $"{servers.ServerA}:8080", ["host"] = hostPort });
        Reached(metadataAllowed, "metadata", "META:80");
        Refused(metadataAllowed, "lan");
        Refused(metadataAllowed, "host");

        var hostAllowed = await ProbeWith(hostPort, new() { ["host"] = hostPort, ["host_other_port"] = $"{host}:{servers.HostPort + 1}", ["metadata"] = metadata, ["lan"] = $"{servers.ServerA}:8080" });
        Reached(hostAllowed, "host", "HOST");
        Refused(hostAllowed, "host_other_port");
        Refused(hostAllowed, "metadata");
        Refused(hostAllowed, "lan");

        var cidrAllowed = await ProbeWith(lanPrefix + "0/24", new() { ["a"] = $"{servers.ServerA}:8080", ["a_other_port"] = $"{servers.ServerA}:8081", ["b"] = $"{servers.ServerB}:8080", ["metadata"] = metadata, ["host"] = hostPort });
        Reached(cidrAllowed, "a", "A:8080");
        Reached(cidrAllowed, "a_other_port", "A:8081");
        Reached(cidrAllowed, "b", "B:8080");
        Refused(cidrAllowed, "metadata");
        Refused(cidrAllowed, "host");
    }

    [TestMethod]
    public async Task Rules_and_network_are_removed_after_a_timeout_and_after_cancellation()
    {
        await using var attack = new Attack(SandboxRuntime.Runc, Options);

        var timedOut = await attack.RunAsync(AllowPolicy() with { Timeout = TimeSpan.FromSeconds(2) }, "sleep", "3600");
        Assert.AreEqual(KillReason.Timeout, timedOut.KillReason);
        HostFirewall.AssertNoRulesFor(timedOut.ExecutionId);

        using var cancel = new CancellationTokenSource();
        var sink = new StartSink();
        var running = attack.RunAsync(new ExecutionRequest { Command = ["bash", "-c", "echo go; sleep 3600"], Policy = AllowPolicy() with { Image = "gadugi/shell:5.2" }, WorkingDirectory = attack.Workspace, Output = sink }, cancel.Token);
        await sink.Started.WaitAsync(TimeSpan.FromMinutes(1));
        var duringRun = HostFirewall.ExecutionIds();
        await cancel.CancelAsync();
        var cancelled = await running;
        Assert.AreEqual(KillReason.Cancelled, cancelled.KillReason);
        CollectionAssert.Contains(duringRun.ToArray(), cancelled.ExecutionId, "this execution's chains existed while it ran (others' may too: tests run in parallel)");
        HostFirewall.AssertNoRulesFor(cancelled.ExecutionId);
    }

    [TestMethod]
    public async Task The_reaper_removes_the_network_and_rules_of_a_dead_owner()
    {
        await using var engine = await SandboxEngines.ConnectAsync();
        var executionId = Guid.NewGuid().ToString("N")[..12];
        using var dead = System.Diagnostics.Process.Start("true")!;
        await dead.WaitForExitAsync();
        var current = OwnerIdentity.Current;
        var deadOwner = (current with { Pid = dead.Id, StartTicks = 1 }).ToString();
        var now = DateTimeOffset.UtcNow;
        var policy = AllowPolicy();
        var network = await AllowlistNetwork.CreateAsync(engine, IptablesFirewall.Instance, policy, executionId, AllowlistNetwork.Labels(executionId, deadOwner, now, now.AddHours(1), "test"), Options.HostLookup, CancellationToken.None);
        Assert.Contains(FirewallRules.Chain(executionId), HostFirewall.Rules());

        var removed = await new StaleNetworkReaper(engine, IptablesFirewall.Instance, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance).ReapAsync(current, now, CancellationToken.None);

        CollectionAssert.Contains(removed.ToArray(), network.Name);
        HostFirewall.AssertNoRulesFor(executionId);
        using var docker = await Gadugi.BuildExec.Core.Engine.Docker.EngineConnection.ConnectAsync();
        var left = await docker.Client.Networks.ListNetworksAsync(new NetworksListParameters { Filters = new Dictionary<string, IDictionary<string, bool>> { ["name"] = new Dictionary<string, bool> { [network.Name] = true } } });
        Assert.IsEmpty(left);
    }

    /// <summary>
    /// The firewall is the host's, shared by every engine on it (a private dockerd, a rootless one):
    /// a chain whose network this engine does not know, but whose bridge exists on the host, is
    /// another engine's live sandbox, and sweeping it would cut that sandbox off.
    /// </summary>
    [TestMethod]
    public async Task The_reaper_leaves_the_rules_of_a_bridge_another_engine_on_this_host_still_has()
    {
        await using var engine = await SandboxEngines.ConnectAsync();
        var executionId = Guid.NewGuid().ToString("N")[..12];
        var bridge = FirewallRules.Bridge(executionId);
        var chain = FirewallRules.Chain(executionId);
        var reaper = new StaleNetworkReaper(engine, IptablesFirewall.Instance, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        try
        {
            Assert.AreEqual(0, (await ChildProcess.RunAsync("ip", ["link", "add", bridge, "type", "bridge"])).ExitCode);
            Assert.AreEqual(0, (await IptablesFirewall.Instance.RunAsync(["-N", chain], CancellationToken.None)).ExitCode);

            var whileBridged = await reaper.ReapAsync(OwnerIdentity.Current, DateTimeOffset.UtcNow, CancellationToken.None);
            Assert.DoesNotContain(chain, whileBridged);
            Assert.Contains("-N " + chain, HostFirewall.Rules());

            Assert.AreEqual(0, (await ChildProcess.RunAsync("ip", ["link", "del", bridge])).ExitCode);
            var orphaned = await reaper.ReapAsync(OwnerIdentity.Current, DateTimeOffset.UtcNow, CancellationToken.None);
            Assert.Contains(chain, orphaned, "without its bridge the chain is a crash's leftover");
            HostFirewall.AssertNoRulesFor(executionId);
        }
        finally
        {
            await ChildProcess.RunAsync("ip", ["link", "del", bridge]);
            await IptablesFirewall.Instance.RunAsync(["-X", chain], CancellationToken.None);
        }
    }

    [TestMethod]
    public async Task Without_a_usable_firewall_an_allowlist_policy_fails_with_a_coded_error_and_runs_nothing()
    {
        await using var missing = new Attack(SandboxRuntime.Runc, Options with { Firewall = new IptablesFirewall { Program = "/nonexistent/iptables" } });
        var unavailable = await Assert.ThrowsExactlyAsync<GadugiException>(() => missing.RunAsync(AllowPolicy(), "true"));
        Assert.AreEqual("GBX3004", unavailable.Code);

        await using var notRoot = new Attack(SandboxRuntime.Runc, Options with { Firewall = new IptablesFirewall { EffectiveUid = 1000 } });
        var needsRoot = await Assert.ThrowsExactlyAsync<GadugiException>(() => notRoot.RunAsync(AllowPolicy(), "true"));
        Assert.AreEqual("GBX3003", needsRoot.Code);
        StringAssert.Contains(needsRoot.Message, "uid 1000");

        // Without the firewall, everything that does not need it still runs.
        var unfiltered = await notRoot.RunAsync(PolicyDefaults.BuiltIn["shell"] with { Timeout = TimeSpan.FromMinutes(1) }, "true");
        Assert.AreEqual(0, unfiltered.ExitCode);

        foreach (var audit in new[] { missing.AuditLogPath, notRoot.AuditLogPath })
        {
            var record = JsonDocument.Parse(File.ReadAllLines(audit)[0]).RootElement;
            Assert.AreEqual("failed", record.GetProperty("status").GetString());
            Assert.IsFalse(record.GetProperty("sandboxed").GetBoolean());
        }
    }

    private const string HoldScript = """
        import json, os, re, time
        cid = re.search(r"containers/([0-9a-f]{64})/", open("/proc/self/mountinfo").read()).group(1)
        print(json.dumps({"container": cid}), flush=True)
        for _ in range(600):
            if os.path.exists("/workspace/inspected"):
                break
            time.sleep(0.1)
        """;

    /// <summary>
    /// The firewall is IPv4. runc sandboxes get IPv6 switched off inside by sysctls, which gVisor's
    /// own network stack ignores: it takes over whatever IPv6 address its interface has (the engine
    /// happens to turn IPv6 off in the namespaces it networks; nothing here relies on that). A
    /// sandbox with IPv6 on must still not reach the host over link-local: IPv6 is off on the host's
    /// side of the bridge, so no node answers on the link and a listener of the host on every IPv6
    /// address stays out of reach. This machine's runsc cannot run networked sandboxes, so a plain
    /// container with IPv6 switched back on stands in for one, on the allowlist network of a
    /// running sandbox.
    /// </summary>
    [TestMethod]
    public async Task An_ipv6_capable_neighbour_on_an_allowlist_network_cannot_reach_the_host()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.IPv6Any, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _ = AnswerAsync(listener, "HOST6");
        await using var attack = new Attack(SandboxRuntime.Runc, Options);
        var sink = new LineSink();
        var running = attack.RunAsync(new ExecutionRequest { Command = ["python3", "-c", HoldScript], Policy = AllowPolicy(), WorkingDirectory = attack.Workspace, Output = sink });
        JsonElement neighbour;
        string bridge;
        string? addressDuringRun;
        string ipv6SettingDuringRun;
        try
        {
            var line = await Task.WhenAny(sink.FirstLine, running) == sink.FirstLine ? await sink.FirstLine : throw new AssertFailedException("the sandbox printed nothing: " + (await running).Stderr.Text);
            using var engine = await EngineConnection.ConnectAsync();
            var container = await engine.Client.Containers.InspectContainerAsync(JsonDocument.Parse(line).RootElement.GetProperty("container").GetString()!);
            var networkName = container.NetworkSettings!.Networks!.Keys.Single();
            bridge = (await engine.Client.Networks.InspectNetworkAsync(networkName)).Options!["com.docker.network.bridge.name"];
            var hostLinkLocal = HostLinkLocal(bridge) ?? Eui64LinkLocal(File.ReadAllText($"/sys/class/net/{bridge}/address").Trim());
            // IPv6 switched back on (the engine turns it off in each container it networks itself) and
            // root with the engine's default capabilities, so it can send ICMPv6 to every node on the link.
            var helper = await ChildProcess.RunAsync("docker", [
                "run", "--rm", "--network", networkName, "--user", "0", "--label", "io.gadugi.test=ipv6-neighbour",
                "--sysctl", "net.ipv6.conf.all.disable_ipv6=0", "--sysctl", "net.ipv6.conf.eth0.disable_ipv6=0",
                "-v", $"{attack.Workspace}:/probes:ro", "gadugi/python:3.11",
                "python3", "/probes/ipv6_neighbour.py", hostLinkLocal, port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            Assert.AreEqual(0, helper.ExitCode, helper.ToString());
            neighbour = JsonDocument.Parse(helper.Stdout).RootElement.Clone();
            addressDuringRun = HostLinkLocal(bridge);
            ipv6SettingDuringRun = File.ReadAllText($"/proc/sys/net/ipv6/conf/{bridge}/disable_ipv6").Trim();
        }
        finally
        {
            await File.WriteAllTextAsync(Path.Combine(attack.Workspace, "inspected"), string.Empty);
            await running;
        }

        Assert.AreEqual(JsonValueKind.String, neighbour.GetProperty("own_link_local").ValueKind, "the stand-in must have IPv6 itself, or this proves nothing: " + neighbour);
        Assert.IsFalse(neighbour.GetProperty("connected").GetBoolean(), "reached the host over IPv6 link-local: " + neighbour);
        Assert.AreEqual(0, neighbour.GetProperty("echo_responders").GetArrayLength(), "an IPv6 node answered on the allowlist network: " + neighbour);
        Assert.IsNull(addressDuringRun, $"the host's side of {bridge} had an IPv6 address");
        Assert.AreEqual("1", ipv6SettingDuringRun, $"IPv6 is off on the host's side of {bridge}");
    }

    /// <summary>The host's IPv6 link-local address on <paramref name="device"/>, or null when it has none.</summary>
    private static string? HostLinkLocal(string device) =>
        File.ReadAllLines("/proc/net/if_inet6").Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields[5] == device && fields[0].StartsWith("fe80", StringComparison.Ordinal))
            .Select(fields => IPAddress.Parse(string.Join(':', fields[0].Chunk(4).Select(c => new string(c)))).ToString())
            .FirstOrDefault();

    /// <summary>The link-local address a device with this MAC would have (EUI-64), for when it has none.</summary>
    private static string Eui64LinkLocal(string mac)
    {
        var bytes = mac.Split(':').Select(b => Convert.ToByte(b, 16)).ToArray();
        bytes[0] ^= 0x02;
        var id = new byte[] { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, bytes[0], bytes[1], bytes[2], 0xff, 0xfe, bytes[3], bytes[4], bytes[5] };
        return new IPAddress(id).ToString();
    }

    private static async Task AnswerAsync(System.Net.Sockets.TcpListener listener, string reply)
    {
        try
        {
            while (true)
            {
                using var client = await listener.AcceptTcpClientAsync();
                await client.GetStream().WriteAsync(System.Text.Encoding.ASCII.GetBytes(reply + "\n"));
            }
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // Stopped.
        }
    }

    [TestMethod]
    public async Task Bridge_mode_has_an_interface_without_ipv6_and_no_firewall_of_ours()
    {
        await using var attack = new Attack(SandboxRuntime.Runc, Options);

        // Only local targets: the host's own listener through the default bridge's gateway.
        var (result, outcomes) = await ProbeAsync(attack, PolicyDefaults.BuiltIn["python"] with { Network = NetworkPolicy.Bridge, Timeout = TimeSpan.FromMinutes(1) }, new Dictionary<string, string> { ["host"] = $"@gateway:{servers.HostPort}" });

        StringAssert.Contains(outcomes["interfaces"].GetProperty("reply").GetString(), "eth0");
        Assert.AreEqual("1", outcomes["ipv6_disabled"].GetProperty("reply").GetString());
        Assert.AreEqual("HOST", outcomes["host"].GetProperty("reply").GetString(), "bridge is egress as the engine allows, the host included");
        Assert.AreEqual("bridge", result.Limits!.NetworkMode);
        Assert.IsFalse(result.Events.Any(e => e.Kind == "network_allowlist"));
    }

    [TestMethod]
    public async Task Under_gvisor_a_network_needs_the_runsc_net_runtime_or_is_refused()
    {
        using var engine = await EngineConnection.ConnectAsync();
        var info = await engine.Client.System.GetSystemInfoAsync();
        await using var attack = new Attack(SandboxRuntime.Gvisor, Options);
        if (info.Runtimes!.ContainsKey(SandboxRuntimes.GvisorNetwork))
        {
            var (_, outcomes) = await ProbeAsync(attack, AllowPolicy(SandboxRuntime.Gvisor), new Dictionary<string, string> { ["allowed"] = $"{servers.ServerA}:8080", ["refused"] = $"{servers.ServerC}:8080" });
            Assert.AreEqual("A:8080", outcomes["allowed"].GetProperty("reply").GetString());
            Assert.IsFalse(outcomes["refused"].GetProperty("connected").GetBoolean());
            return;
        }

        foreach (var policy in new[] { AllowPolicy(SandboxRuntime.Gvisor), AllowPolicy(SandboxRuntime.Gvisor) with { Network = NetworkPolicy.Bridge } })
        {
            var error = await Assert.ThrowsExactlyAsync<GadugiException>(() => attack.RunAsync(policy, "true"));
            Assert.AreEqual("GBX3006", error.Code);
            StringAssert.Contains(error.Message, "runsc-net");
        }
    }

    /// <summary>Complete stdout lines, each awaitable by its number.</summary>
    private sealed class LineSink : IOutputSink
    {
        private readonly List<TaskCompletionSource<string>> _lines = [];
        private readonly System.Text.StringBuilder _text = new();
        private int _complete;

        public Task<string> FirstLine => Line(0);

        public Task<string> Line(int index)
        {
            lock (_lines)
            {
                return Slot(index).Task;
            }
        }

        public ValueTask WriteAsync(OutputStreamKind stream, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            if (stream == OutputStreamKind.Stdout)
            {
                lock (_lines)
                {
                    _text.Append(System.Text.Encoding.UTF8.GetString(data.Span));
                    var lines = _text.ToString().Split('\n');
                    for (; _complete < lines.Length - 1; _complete++)
                    {
                        Slot(_complete).TrySetResult(lines[_complete]);
                    }
                }
            }

            return ValueTask.CompletedTask;
        }

        private TaskCompletionSource<string> Slot(int index)
        {
            while (_lines.Count <= index)
            {
                _lines.Add(new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));
            }

            return _lines[index];
        }
    }

    private sealed class StartSink : IOutputSink
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Started => _started.Task;

        public ValueTask WriteAsync(OutputStreamKind stream, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            _started.TrySetResult();
            return ValueTask.CompletedTask;
        }
    }
}
