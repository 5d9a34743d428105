using System.Globalization;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Core.Network;

/// <summary>
/// The network of one allowlist execution: a bridge of its own, labelled like the executor's
/// containers, whose egress the host firewall confines to the pinned destinations. Disposing it
/// removes the rules and then the network; every step tolerates "already gone", so it is safe on
/// every path (success, failure, timeout, cancellation, engine error) and from the stale reaper.
/// </summary>
internal sealed class AllowlistNetwork : IAsyncDisposable
{
    private static readonly TimeSpan CleanupLimit = EngineAway.CleanupWait + TimeSpan.FromSeconds(30);
    private readonly ISandboxEngine _engine;
    private readonly IFirewall _firewall;
    private bool _rulesInstalled;

    private AllowlistNetwork(ISandboxEngine engine, IFirewall firewall, string executionId, EngineNetwork network, IReadOnlyList<AllowedDestination> allowed)
    {
        _engine = engine;
        _firewall = firewall;
        ExecutionId = executionId;
        NetworkId = network.Id;
        Subnet = network.Subnet;
        Gateway = network.Gateway;
        Allowed = allowed;
    }

    public string ExecutionId { get; }

    public string NetworkId { get; }

    public string Name => NameFor(ExecutionId);

    public string Bridge => FirewallRules.Bridge(ExecutionId);

    public IReadOnlyList<AllowedDestination> Allowed { get; }

    public string? Subnet { get; }

    public string? Gateway { get; }

    public static string NameFor(string executionId) => "gadugi-" + executionId;

    /// <summary>"name:address" entries for the sandbox's /etc/hosts: allowlisted names resolve to their pinned addresses only.</summary>
    public IReadOnlyList<string> PinnedHosts =>
        Allowed.Where(d => d.IsHostName).SelectMany(d => d.Addresses.Take(1).Select(a => $"{d.Entry.Host}:{a}")).ToArray();

    /// <summary>What the audit record says about this network.</summary>
    public string Describe() =>
        $"network {Name} (bridge {Bridge}, subnet {Subnet ?? "?"}) allows only: {string.Join(", ", Allowed)}; everything else, the host itself and link-local/metadata addresses are refused unless named";

    /// <summary>Checks the firewall, resolves names, creates the network and installs its rules.</summary>
    public static async Task<AllowlistNetwork> CreateAsync(
        ISandboxEngine engine,
        IFirewall firewall,
        SandboxPolicy policy,
        string executionId,
        IReadOnlyDictionary<string, string> labels,
        DestinationResolver.Lookup? lookup,
        CancellationToken cancellationToken)
    {
        if (await firewall.CheckAvailableAsync(cancellationToken).ConfigureAwait(false) is { } unavailable)
        {
            throw unavailable(policy.Name, policy.Source);
        }

        var allowed = await DestinationResolver.ResolveAsync(policy, lookup, cancellationToken).ConfigureAwait(false);
        var created = await engine.CreateNetworkAsync(
            new NetworkSpec(NameFor(executionId), FirewallRules.Bridge(executionId), labels),
            // Not cancellable mid-request, or the engine could create it unseen and leave it; a
            // cancellation meanwhile surfaces on the next call, and the catch below removes it.
            CancellationToken.None).ConfigureAwait(false);
        var network = new AllowlistNetwork(engine, firewall, executionId, created, allowed);
        try
        {
            if (!OperatingSystem.IsLinux() || !Directory.Exists("/sys/class/net/" + network.Bridge))
            {
                throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.EngineNetworkNotLocal), policy.Name, policy.Source, executionId, network.Bridge));
            }

            if (await BridgeIpv6.DisableAsync(network.Bridge, cancellationToken).ConfigureAwait(false) is { } ipv6Failure)
            {
                throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.BridgeIpv6NotDisabled), policy.Name, policy.Source, executionId, network.Bridge, ipv6Failure));
            }

            await network.InstallRulesAsync(policy, cancellationToken).ConfigureAwait(false);
            return network;
        }
        catch
        {
            await network.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task InstallRulesAsync(SandboxPolicy policy, CancellationToken cancellationToken)
    {
        foreach (var (check, insert) in FirewallRules.FailClosed)
        {
            if ((await _firewall.RunAsync(check, cancellationToken).ConfigureAwait(false)).ExitCode != 0)
            {
                var (insertCode, insertError) = await _firewall.RunAsync(insert, cancellationToken).ConfigureAwait(false);
                if (insertCode != 0)
                {
                    throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.FirewallFailed), policy.Name, ExecutionId, "iptables " + string.Join(' ', insert), $"exit code {insertCode}: {insertError.Trim()}"));
                }
            }
        }

        _rulesInstalled = true;
        foreach (var command in FirewallRules.Install(ExecutionId, Allowed))
        {
            var (code, error) = await _firewall.RunAsync(command, cancellationToken).ConfigureAwait(false);
            if (code != 0)
            {
                throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.FirewallFailed), policy.Name, ExecutionId, "iptables " + string.Join(' ', command), $"exit code {code}: {error.Trim()}"));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var limit = new CancellationTokenSource(CleanupLimit);
        if (_rulesInstalled)
        {
            await RemoveRulesAsync(_firewall, ExecutionId, limit.Token).ConfigureAwait(false);
        }

        await _engine.RemoveNetworkAsync(NetworkId, limit.Token).ConfigureAwait(false);
    }

    /// <summary>Removes the rules of an execution; missing rules or chains are fine.</summary>
    public static async Task RemoveRulesAsync(IFirewall firewall, string executionId, CancellationToken cancellationToken)
    {
        foreach (var command in FirewallRules.Remove(executionId))
        {
            try
            {
                await firewall.RunAsync(command, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Labels of a network (same keys as the containers', so the reaper judges both alike).</summary>
    public static Dictionary<string, string> Labels(string executionId, string owner, DateTimeOffset started, DateTimeOffset deadline, string policy) => new()
    {
        [ContainerLabels.Managed] = "true",
        [ContainerLabels.Owner] = owner,
        [ContainerLabels.Started] = started.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
        [ContainerLabels.Deadline] = deadline.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
        [ContainerLabels.Execution] = executionId,
        [ContainerLabels.Policy] = policy,
    };
}
