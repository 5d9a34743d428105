using System.Net;

namespace Gadugi.BuildExec.Core.Network;

/// <summary>
/// The iptables rules that confine one execution's bridge to its allowlist. Pure: it only builds
/// argument lists, so the rule set can be reviewed and unit-tested without touching a firewall.
/// </summary>
/// <remarks>
/// Two chains per execution. <c>GBX-&lt;id&gt;</c> filters what the sandbox forwards (DOCKER-USER is
/// consulted before Docker's own forwarding rules): replies pass, link-local/metadata addresses are
/// refused unless an entry lies inside 169.254.0.0/16, each allowed network (and port) passes, and
/// everything else is refused (TCP with a reset, the rest with an ICMP error). <c>GBXH-&lt;id&gt;</c>
/// filters what the sandbox sends to this host itself (INPUT: the gateway, every host address):
/// only entries that name an exact address pass. Replies towards the sandbox are accepted
/// explicitly, since Docker's network isolation would otherwise drop replies from other networks.
/// </remarks>
internal static class FirewallRules
{
    public const string ChainPrefix = "GBX-";
    public const string HostChainPrefix = "GBXH-";
    public const string BridgePrefix = "gbx";

    public static string Chain(string executionId) => ChainPrefix + executionId;

    public static string HostChain(string executionId) => HostChainPrefix + executionId;

    /// <summary>Linux interface names have at most 15 characters: "gbx" + the 12-hex execution id.</summary>
    public static string Bridge(string executionId) => BridgePrefix + executionId;

    private static readonly IPAddress LinkLocal = IPAddress.Parse("169.254.0.0");

    /// <summary>
    /// Permanent rules that refuse anything from any "gbx*" bridge that no execution's chain took:
    /// should one execution's jump rule go missing, its sandbox is cut off instead of falling through
    /// to the engine's default (open) forwarding. Each is (check, insert); insert only when the check fails.
    /// </summary>
    public static IReadOnlyList<(string[] Check, string[] Insert)> FailClosed { get; } =
    [
        (["-C", "DOCKER-USER", "-i", BridgePrefix + "+", "-j", "REJECT", "--reject-with", "icmp-admin-prohibited"],
         ["-I", "DOCKER-USER", "1", "-i", BridgePrefix + "+", "-j", "REJECT", "--reject-with", "icmp-admin-prohibited"]),
        (["-C", "INPUT", "-i", BridgePrefix + "+", "-j", "REJECT", "--reject-with", "icmp-admin-prohibited"],
         ["-I", "INPUT", "1", "-i", BridgePrefix + "+", "-j", "REJECT", "--reject-with", "icmp-admin-prohibited"]),
    ];

    /// <summary>Commands (iptables arguments) that install the rules, in order (after <see cref="FailClosed"/>).</summary>
    public static IReadOnlyList<string[]> Install(string executionId, IReadOnlyList<AllowedDestination> allowed)
    {
        var chain = Chain(executionId);
        var hostChain = HostChain(executionId);
        var bridge = Bridge(executionId);
        var commands = new List<string[]>
        {
            new[] { "-N", chain },
            new[] { "-A", chain, "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT" },
        };
        if (!allowed.Any(d => d.LiesWithin(LinkLocal, 16)))
        {
            commands.Add(["-A", chain, "-d", "169.254.0.0/16", "-j", "REJECT", "--reject-with", "icmp-admin-prohibited"]);
        }

        foreach (var destination in allowed)
        {
            commands.AddRange(AcceptRules(chain, destination));
        }

        commands.Add(["-A", chain, "-p", "tcp", "-j", "REJECT", "--reject-with", "tcp-reset"]);
        commands.Add(["-A", chain, "-j", "REJECT", "--reject-with", "icmp-admin-prohibited"]);

        commands.Add(["-N", hostChain]);
        commands.Add(["-A", hostChain, "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"]);
        foreach (var destination in allowed.Where(d => d.IsExactHost))
        {
            commands.AddRange(AcceptRules(hostChain, destination));
        }

        commands.Add(["-A", hostChain, "-p", "tcp", "-j", "REJECT", "--reject-with", "tcp-reset"]);
        commands.Add(["-A", hostChain, "-j", "REJECT", "--reject-with", "icmp-admin-prohibited"]);

        // Jumps last, so no packet meets a half-built chain.
        commands.Add(["-I", "INPUT", "1", "-i", bridge, "-j", hostChain]);
        commands.Add(["-I", "DOCKER-USER", "1", "-o", bridge, "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"]);
        commands.Add(["-I", "DOCKER-USER", "1", "-i", bridge, "-j", chain]);
        return commands;
    }

    /// <summary>Commands that remove everything <see cref="Install"/> added; each may fail harmlessly when already gone.</summary>
    public static IReadOnlyList<string[]> Remove(string executionId)
    {
        var chain = Chain(executionId);
        var hostChain = HostChain(executionId);
        var bridge = Bridge(executionId);
        return
        [
            ["-D", "DOCKER-USER", "-i", bridge, "-j", chain],
            ["-D", "DOCKER-USER", "-o", bridge, "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"],
            ["-D", "INPUT", "-i", bridge, "-j", hostChain],
            ["-F", chain],
            ["-X", chain],
            ["-F", hostChain],
            ["-X", hostChain],
        ];
    }

    private static IEnumerable<string[]> AcceptRules(string chain, AllowedDestination destination)
    {
        foreach (var network in destination.Networks)
        {
            if (destination.Entry.Port is { } port)
            {
                var text = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
                yield return ["-A", chain, "-d", network, "-p", "tcp", "--dport", text, "-j", "ACCEPT"];
                yield return ["-A", chain, "-d", network, "-p", "udp", "--dport", text, "-j", "ACCEPT"];
            }
            else
            {
                yield return ["-A", chain, "-d", network, "-j", "ACCEPT"];
            }
        }
    }

    /// <summary>The execution id in a chain name this toolkit created, or null for any other chain.</summary>
    public static string? ExecutionIdOf(string chainName)
    {
        var id = chainName.StartsWith(HostChainPrefix, StringComparison.Ordinal) ? chainName[HostChainPrefix.Length..]
            : chainName.StartsWith(ChainPrefix, StringComparison.Ordinal) ? chainName[ChainPrefix.Length..]
            : null;
        return id is { Length: 12 } && id.All(char.IsAsciiHexDigitLower) ? id : null;
    }
}
