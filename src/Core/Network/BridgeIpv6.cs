namespace Gadugi.BuildExec.Core.Network;

/// <summary>
/// Turns IPv6 off on the host's side of an allowlist network's bridge. The firewall rules are IPv4
/// (iptables); the engine's networks are IPv4 too, but every interface gets an IPv6 link-local
/// address by itself. runc sandboxes have IPv6 switched off inside (sysctls), gVisor's own network
/// stack ignores those sysctls and takes over the link-local address of its interface: without this,
/// a gVisor sandbox could reach the host (and anything the host routes) over IPv6 link-local past
/// every rule. With IPv6 off on the bridge the host drops every IPv6 packet arriving on it, whatever
/// runs in the sandbox.
/// </summary>
internal static class BridgeIpv6
{
    private const string Settings = "/proc/sys/net/ipv6/conf";

    /// <summary>Null when IPv6 is off on <paramref name="bridge"/> (or on the whole host), else why it could not be turned off.</summary>
    public static async Task<string?> DisableAsync(string bridge, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(Settings))
        {
            return null; // the host has no IPv6 at all
        }

        var setting = Path.Combine(Settings, bridge, "disable_ipv6");
        try
        {
            await File.WriteAllTextAsync(setting, "1", cancellationToken).ConfigureAwait(false);
            var now = (await File.ReadAllTextAsync(setting, cancellationToken).ConfigureAwait(false)).Trim();
            return now == "1" ? null : $"{setting} reads {now} after writing 1";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"{setting}: {ex.Message}";
        }
    }
}
