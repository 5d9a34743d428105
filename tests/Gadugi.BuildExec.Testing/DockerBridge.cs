using Gadugi.BuildExec.Core.Engine;

using Gadugi.BuildExec.Core.Engine.Docker;

namespace Gadugi.BuildExec.Testing;

/// <summary>The engine's default bridge: a network on this machine, safe to aim connection attempts at.</summary>
public static class DockerBridge
{
    public static async Task<string> GatewayAsync()
    {
        using var engine = await EngineConnection.ConnectAsync();
        var bridge = await engine.Client.Networks.InspectNetworkAsync("bridge");
        var config = bridge.IPAM!.Config!.First();
        if (!string.IsNullOrEmpty(config.Gateway))
        {
            return config.Gateway;
        }

        // Engines of the 20.10 line omit the default bridge's gateway: it is the subnet's first address.
        var network = System.Net.IPAddress.Parse(config.Subnet!.Split('/')[0]).GetAddressBytes();
        network[3]++;
        return new System.Net.IPAddress(network).ToString();
    }
}
