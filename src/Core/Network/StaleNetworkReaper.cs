using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Core.Logging;
using Microsoft.Extensions.Logging;

namespace Gadugi.BuildExec.Core.Network;

/// <summary>
/// Removes allowlist networks (and their firewall rules) whose owner died or whose deadline passed,
/// by the same rule as <see cref="StaleContainerReaper"/>; then removes firewall chains of this
/// toolkit that no network belongs to any more. Run it after the containers were reaped.
/// </summary>
internal sealed class StaleNetworkReaper(ISandboxEngine engine, IFirewall firewall, ILogger logger)
{
    public async Task<IReadOnlyList<string>> ReapAsync(OwnerIdentity observer, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var canFirewall = await firewall.CheckAvailableAsync(cancellationToken).ConfigureAwait(false) is null;

        // Chains first, networks second: a chain listed here whose network is missing from the later
        // listing is truly orphaned (a network is always created before its chain and removed after).
        var chains = canFirewall ? await firewall.ListChainsAsync(cancellationToken).ConfigureAwait(false) : [];
        var networks = await engine.ListNetworksAsync(ContainerLabels.Managed + "=true", cancellationToken).ConfigureAwait(false);

        var removed = new List<string>();
        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (var network in networks)
        {
            var labels = network.Labels;
            var executionId = labels.TryGetValue(ContainerLabels.Execution, out var id) ? id : null;
            if (!StaleContainerReaper.IsStale(labels, observer, now))
            {
                if (executionId is not null)
                {
                    live.Add(executionId);
                }

                continue;
            }

            if (executionId is not null && canFirewall)
            {
                await AllowlistNetwork.RemoveRulesAsync(firewall, executionId, cancellationToken).ConfigureAwait(false);
            }

            await engine.RemoveNetworkAsync(network.Id, cancellationToken).ConfigureAwait(false);
            removed.Add(network.Name);
            Log.RemovedStaleNetwork(logger, network.Name, labels.TryGetValue(ContainerLabels.Owner, out var owner) ? owner : "?");
        }

        if (canFirewall)
        {
            // Rules are removed before their network, so a chain without a network is left over from a crash in between.
            // The firewall is the host's, shared by every engine on it: a chain whose bridge still
            // exists belongs to a network of another engine here (a private or rootless one), not to a crash.
            var orphans = chains
                .Select(FirewallRules.ExecutionIdOf)
                .OfType<string>()
                .Where(id => !live.Contains(id) && !networks.Any(n => n.Name == AllowlistNetwork.NameFor(id)) && !BridgeExists(id))
                .Distinct(StringComparer.Ordinal)
                .ToArray();
            foreach (var executionId in orphans)
            {
                await AllowlistNetwork.RemoveRulesAsync(firewall, executionId, cancellationToken).ConfigureAwait(false);
                var chain = FirewallRules.Chain(executionId);
                removed.Add(chain);
                Log.RemovedStaleNetwork(logger, chain, "no network");
            }
        }

        return removed;
    }

    private static bool BridgeExists(string executionId) => Directory.Exists(Path.Combine("/sys/class/net", FirewallRules.Bridge(executionId)));
}
