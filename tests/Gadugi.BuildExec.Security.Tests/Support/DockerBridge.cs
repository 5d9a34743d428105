using Gadugi.BuildExec.Core.Engine;

namespace Gadugi.BuildExec.Security.Tests.Support;

/// <summary>The engine's default bridge gateway: an address of this machine, safe to aim refused connections at.</summary>
internal static class DockerBridge
{
    public static async Task<string> GatewayAsync()
    {
        using var engine = await EngineConnection.ConnectAsync();
        var bridge = await engine.Client.Networks.InspectNetworkAsync("bridge");
        var config = bridge.IPAM.Config.First();
        if (!string.IsNullOrEmpty(config.Gateway))
        {
            return config.Gateway;
        }

        var network = System.Net.IPAddress.Parse(config.Subnet.Split('/')[0]).GetAddressBytes();
        network[3]++;
        return new System.Net.IPAddress(network).ToString();
    }
}
