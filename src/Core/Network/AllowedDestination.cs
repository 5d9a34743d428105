using System.Net;
using System.Net.Sockets;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Core.Network;

/// <summary>
/// One allowlist entry with its addresses pinned at run start: a host name is resolved once, on the
/// host, and the sandbox only ever reaches those addresses (its /etc/hosts maps the name to them).
/// </summary>
public sealed record AllowedDestination(NetworkDestination Entry, IReadOnlyList<IPAddress> Addresses)
{
    /// <summary>Prefix length of each address: the entry's CIDR prefix, or 32 for a single address.</summary>
    public int PrefixLength => Entry.PrefixLength ?? 32;

    /// <summary>True when the entry names single addresses (not a network): only those may reach the host itself.</summary>
    public bool IsExactHost => PrefixLength == 32;

    public bool IsHostName => !IPAddress.TryParse(Entry.Host, out _);

    /// <summary>"a.b.c.d/nn" per address, as the firewall matches it.</summary>
    public IEnumerable<string> Networks => Addresses.Select(address => $"{NetworkOf(address, PrefixLength)}/{PrefixLength}");

    public override string ToString() =>
        IsHostName ? $"{Entry} (= {string.Join(", ", Addresses)})" : Entry.ToString();

    internal static IPAddress NetworkOf(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var bit = prefix; bit < 32; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return new IPAddress(bytes);
    }

    /// <summary>True when this entry's network lies entirely inside <paramref name="network"/>/<paramref name="prefix"/>.</summary>
    internal bool LiesWithin(IPAddress network, int prefix) =>
        PrefixLength >= prefix && Addresses.All(address => NetworkOf(address, prefix).Equals(NetworkOf(network, prefix)));
}

/// <summary>Resolves allowlist host names on the host, once, at run start.</summary>
public static class DestinationResolver
{
    /// <summary>Looks up a host name's IPv4 addresses; replaceable in tests.</summary>
    public delegate Task<IPAddress[]> Lookup(string host, CancellationToken cancellationToken);

    public static Lookup SystemLookup { get; } = (host, token) => Dns.GetHostAddressesAsync(host, AddressFamily.InterNetwork, token);

    public static async Task<IReadOnlyList<AllowedDestination>> ResolveAsync(SandboxPolicy policy, Lookup? lookup, CancellationToken cancellationToken)
    {
        lookup ??= SystemLookup;
        var resolved = new List<AllowedDestination>();
        foreach (var entry in policy.Network.Allow)
        {
            if (IPAddress.TryParse(entry.Host, out var address))
            {
                resolved.Add(new AllowedDestination(entry, [address]));
                continue;
            }

            IPAddress[] addresses;
            try
            {
                addresses = await lookup(entry.Host, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.NetworkHostUnresolved), policy.Name, policy.Source, entry.Host, ex.Message), ex);
            }

            var ipv4 = addresses.Where(a => a.AddressFamily == AddressFamily.InterNetwork).Distinct().Order(AddressComparer.Instance).ToArray();
            if (ipv4.Length == 0)
            {
                throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.NetworkHostUnresolved), policy.Name, policy.Source, entry.Host, "it has no IPv4 address"));
            }

            resolved.Add(new AllowedDestination(entry, ipv4));
        }

        return resolved;
    }

    private sealed class AddressComparer : IComparer<IPAddress>
    {
        public static AddressComparer Instance { get; } = new();

        public int Compare(IPAddress? x, IPAddress? y) =>
            string.CompareOrdinal(x?.ToString(), y?.ToString());
    }
}
