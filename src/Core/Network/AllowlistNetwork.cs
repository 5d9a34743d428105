using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;
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
public sealed class AllowlistNetwork : IAsyncDisposable
{
    private static readonly TimeSpan CleanupLimit = EngineAway.CleanupWait + TimeSpan.FromSeconds(30);
    private readonly IDockerClient _docker;
    private readonly IFirewall _firewall;
    private bool _rulesInstalled;

    private AllowlistNetwork(IDockerClient docker, IFirewall firewall, string executionId, string networkId, IReadOnlyList<AllowedDestination> allowed)
    {
        _docker = docker;
        _firewall = firewall;
        ExecutionId = executionId;
        NetworkId = networkId;
        Allowed = allowed;
    }

    public string ExecutionId { get; }

    public string NetworkId { get; }

    public string Name => NameFor(ExecutionId);

    public string Bridge => FirewallRules.Bridge(ExecutionId);

    public IReadOnlyList<AllowedDestination> Allowed { get; }

    public string? Subnet { get; private set; }

    public string? Gateway { get; private set; }

    public static string NameFor(string executionId) => "gadugi-" + executionId;

    /// <summary>"name:address" entries for the sandbox's /etc/hosts: allowlisted names resolve to their pinned addresses only.</summary>
    public IReadOnlyList<string> PinnedHosts =>
        Allowed.Where(d => d.IsHostName).SelectMany(d => d.Addresses.Take(1).Select(a => $"{d.Entry.Host}:{a}")).ToArray();

    /// <summary>What the audit record says about this network.</summary>
    public string Describe() =>
        $"network {Name} (bridge {Bridge}, subnet {Subnet ?? "?"}) allows only: {string.Join(", ", Allowed)}; everything else, the host itself and link-local/metadata addresses are refused unless named";

    /// <summary>Checks the firewall, resolves names, creates the network and installs its rules.</summary>
    public static async Task<AllowlistNetwork> CreateAsync(
        IDockerClient docker,
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
        var created = await docker.Networks.CreateNetworkAsync(
            new NetworksCreateParameters
            {
                Name = NameFor(executionId),
                Driver = "bridge",
                Internal = false,
                Attachable = false,
                EnableIPv6 = false,
                Labels = new Dictionary<string, string>(labels),
                Options = new Dictionary<string, string>
                {
                    ["com.docker.network.bridge.name"] = FirewallRules.Bridge(executionId),
                    ["com.docker.network.bridge.enable_icc"] = "false",
                    ["com.docker.network.bridge.enable_ip_masquerade"] = "true",
                },
            },
            // Not cancellable mid-request, or the engine could create it unseen and leave it; a
            // cancellation meanwhile surfaces on the next call, and the catch below removes it.
            CancellationToken.None).ConfigureAwait(false);
        var network = new AllowlistNetwork(docker, firewall, executionId, created.ID, allowed);
        try
        {
            await network.ReadAddressingAsync(cancellationToken).ConfigureAwait(false);
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

    private async Task ReadAddressingAsync(CancellationToken cancellationToken)
    {
        var inspect = await _docker.Networks.InspectNetworkAsync(NetworkId, cancellationToken).ConfigureAwait(false);
        var config = inspect.IPAM?.Config?.FirstOrDefault();
        Subnet = config?.Subnet;
        Gateway = config?.Gateway;
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

        await RemoveNetworkAsync(_docker, NetworkId, limit.Token).ConfigureAwait(false);
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

    /// <summary>Removes a network, disconnecting any endpoint still on it; a missing network is fine.</summary>
    public static async Task RemoveNetworkAsync(IDockerClient docker, string networkId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            try
            {
                // An engine that is away (restarting) is waited for: the network is removed once it is back.
                await EngineAway.Cleanup.ExecuteAsync(
                    async token => await docker.Networks.DeleteNetworkAsync(networkId, token).ConfigureAwait(false),
                    cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (DockerNetworkNotFoundException)
            {
                return;
            }
            catch (DockerApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return;
            }
            catch (DockerApiException ex) when (ex.StatusCode is System.Net.HttpStatusCode.Forbidden or System.Net.HttpStatusCode.Conflict or System.Net.HttpStatusCode.InternalServerError)
            {
                // Endpoints still attached (a container being removed): wait for them to go.
                try
                {
                    await Task.Delay(100, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException or Polly.Timeout.TimeoutRejectedException)
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
