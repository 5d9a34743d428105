using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Docker.DotNet;
using Docker.DotNet.Models;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Core.Engine.Docker;

namespace Gadugi.BuildExec.Security.Tests.Support;

/// <summary>
/// Servers on networks the tests create on this machine, for allowlist probes: three TCP servers on
/// a private network (A on 8080 and 8081, B and C on 8080), a metadata-like server at
/// <see cref="MetadataLike"/>:80 on a link-local network of our own, and a listener on the host itself.
/// Everything carries a test label and is removed afterwards.
/// </summary>
/// <remarks>
/// The metadata-like server is deliberately not 169.254.169.254: cloud runners (Azure's among them)
/// route that exact address via their uplink with a host route that beats any bridge subnet, so a
/// probe of it could reach the real metadata service should a rule be missing. 169.254.77.0/24 is
/// link-local like the metadata service (so the firewall's link-local refusal applies to it) but no
/// cloud uses it; the tests still refuse to probe it unless this machine routes it onto our network.
/// </remarks>
internal sealed class TestNetworks : IAsyncDisposable
{
    public const string TestLabel = "io.gadugi.test";
    private const string ServerScript = """
        import socket, sys, threading
        name = sys.argv[1]
        def serve(port):
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("0.0.0.0", port)); s.listen(16)
            while True:
                c, _ = s.accept(); c.sendall(f"{name}:{port}\n".encode()); c.close()
        for port in sys.argv[2:]:
            threading.Thread(target=serve, args=(int(port),), daemon=True).start()
        print("ready", flush=True)
        threading.Event().wait()
        """;

    private readonly EngineConnection _engine;
    private readonly List<string> _containers = [];
    private readonly List<string> _networks = [];
    private TcpListener? _hostListener;
    private Task? _hostAccepting;

    private TestNetworks(EngineConnection engine) => _engine = engine;

    public string ServerA { get; private set; } = string.Empty;

    public string ServerB { get; private set; } = string.Empty;

    public string ServerC { get; private set; } = string.Empty;

    public int HostPort { get; private set; }

    /// <summary>A link-local address only our own test network answers (see remarks).</summary>
    public const string MetadataLike = "169.254.77.254";

    public const string MetadataLikeSubnet = "169.254.77.0/24";

    public static async Task<TestNetworks> StartAsync()
    {
        var networks = new TestNetworks(await EngineConnection.ConnectAsync());
        try
        {
            await networks.RemoveLeftoversAsync();
            var suffix = Guid.NewGuid().ToString("N")[..8];
            var lan = await networks.CreateNetworkAsync("gbxsec-lan-" + suffix, subnet: null);
            networks.ServerA = await networks.StartServerAsync(lan, "A", null, 8080, 8081);
            networks.ServerB = await networks.StartServerAsync(lan, "B", null, 8080);
            networks.ServerC = await networks.StartServerAsync(lan, "C", null, 8080);
            var linkLocal = await networks.CreateNetworkAsync("gbxsec-ll-" + suffix, subnet: MetadataLikeSubnet);
            RequireLocalRoute(MetadataLike, linkLocal);
            await networks.StartServerAsync(linkLocal, "META", MetadataLike, 80);

            networks._hostListener = new TcpListener(IPAddress.Any, 0);
            networks._hostListener.Start();
            networks.HostPort = ((IPEndPoint)networks._hostListener.LocalEndpoint).Port;
            networks._hostAccepting = AcceptAsync(networks._hostListener);
            return networks;
        }
        catch
        {
            await networks.DisposeAsync();
            throw;
        }
    }

    /// <summary>Refuses to probe an address unless this machine routes it onto our own network.</summary>
    private static void RequireLocalRoute(string address, string networkId)
    {
        using var process = Process.Start(new ProcessStartInfo("ip", ["route", "get", address]) { RedirectStandardOutput = true })!;
        var route = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Contains("dev br-" + networkId[..12], route, "the probe address must route to the test's own network: " + route);
    }

    private static async Task AcceptAsync(TcpListener listener)
    {
        try
        {
            while (true)
            {
                using var client = await listener.AcceptTcpClientAsync();
                await client.GetStream().WriteAsync("HOST\n"u8.ToArray());
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
        {
        }
    }

    /// <summary>
    /// What a killed earlier run left (its class cleanup never ran): stopped servers and networks no
    /// running server is attached to. The link-local network's fixed subnet would overlap otherwise;
    /// a live run's networks have its running servers attached and are left alone.
    /// </summary>
    private async Task RemoveLeftoversAsync()
    {
        var filter = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{TestLabel}=security"] = true } };
        foreach (var container in await _engine.Client.Containers.ListContainersAsync(new ContainersListParameters { All = true, Filters = filter }))
        {
            if (container.State is not "running")
            {
                await _engine.Client.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true });
            }
        }

        foreach (var network in await _engine.Client.Networks.ListNetworksAsync(new NetworksListParameters { Filters = filter }))
        {
            var inspected = await _engine.Client.Networks.InspectNetworkAsync(network.ID);
            if (inspected.Containers is null || inspected.Containers.Count == 0)
            {
                await _engine.Client.Networks.DeleteNetworkAsync(network.ID);
            }
        }
    }

    private async Task<string> CreateNetworkAsync(string name, string? subnet)
    {
        var created = await _engine.Client.Networks.CreateNetworkAsync(new NetworksCreateParameters
        {
            Name = name,
            Driver = "bridge",
            Labels = new Dictionary<string, string> { [TestLabel] = "security" },
            IPAM = subnet is null ? null! : new IPAM { Config = [new IPAMConfig { Subnet = subnet }] },
        });
        _networks.Add(created.ID);
        return created.ID;
    }

    private async Task<string> StartServerAsync(string networkId, string name, string? address, params int[] ports)
    {
        var created = await _engine.Client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = "gadugi/python:3.11",
            Name = $"gbxsec-server-{name.ToLowerInvariant()}-{Guid.NewGuid().ToString("N")[..8]}",
            User = "10001:10001",
            Cmd = ["python3", "-c", ServerScript, name, .. ports.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture))],
            Labels = new Dictionary<string, string> { [TestLabel] = "security" },
            HostConfig = new HostConfig { NetworkMode = networkId, ReadonlyRootfs = true, CapDrop = ["ALL"], AutoRemove = false, Memory = 64L * 1024 * 1024 },
            NetworkingConfig = new NetworkingConfig
            {
                EndpointsConfig = new Dictionary<string, EndpointSettings>
                {
                    [networkId] = new() { IPAMConfig = address is null ? null! : new EndpointIPAMConfig { IPv4Address = address } },
                },
            },
        });
        _containers.Add(created.ID);
        await _engine.Client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());
        var inspect = await _engine.Client.Containers.InspectContainerAsync(created.ID);
        var ip = inspect.NetworkSettings!.Networks!.Values.Single().IPAddress;
        await WaitListeningAsync(ip, ports[0]);
        return ip;
    }

    private static async Task WaitListeningAsync(string ip, int port)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Parse(ip), port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        Assert.Fail($"test server {ip}:{port} did not start");
    }

    public async ValueTask DisposeAsync()
    {
        _hostListener?.Stop();
        if (_hostAccepting is not null)
        {
            await _hostAccepting;
        }

        foreach (var container in _containers)
        {
            try
            {
                await _engine.Client.Containers.RemoveContainerAsync(container, new ContainerRemoveParameters { Force = true });
            }
            catch (DockerContainerNotFoundException)
            {
            }
        }

        foreach (var network in _networks)
        {
            try
            {
                await _engine.Client.Networks.DeleteNetworkAsync(network);
            }
            catch (DockerNetworkNotFoundException)
            {
            }
        }

        _engine.Dispose();
    }
}

/// <summary>Reads this machine's firewall, to prove an execution's chains are gone.</summary>
internal static class HostFirewall
{
    /// <summary>`iptables -S`; an unreadable firewall fails the test (it must never look like "no rules left").</summary>
    public static string Rules()
    {
        using var process = Process.Start(new ProcessStartInfo("iptables", ["-w", "-S"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var errors = process.StandardError.ReadToEndAsync();
        var rules = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.AreEqual(0, process.ExitCode, "iptables -S failed: " + errors.GetAwaiter().GetResult());
        StringAssert.Contains(rules, "-P FORWARD", "iptables -S printed no filter table");
        return rules;
    }

    /// <summary>The execution ids of every chain of ours on this machine now.</summary>
    public static IReadOnlySet<string> ExecutionIds() =>
        Rules().Split('\n')
            .Where(line => line.StartsWith("-N ", StringComparison.Ordinal))
            .Select(line => Core.Network.FirewallRules.ExecutionIdOf(line[3..].Trim()))
            .OfType<string>()
            .ToHashSet(StringComparer.Ordinal);

    public static void AssertNoRulesFor(string executionId)
    {
        var left = Rules().Split('\n').Where(line => line.Contains(executionId, StringComparison.Ordinal)).ToArray();
        Assert.IsEmpty(left, "firewall rules left behind: " + string.Join("; ", left));
    }
}
