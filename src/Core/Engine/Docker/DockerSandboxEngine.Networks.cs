using Docker.DotNet;
using Docker.DotNet.Models;
using Polly.Timeout;

namespace Gadugi.BuildExec.Core.Engine.Docker;

/// <summary>Per-execution bridge networks (network allowlists).</summary>
internal sealed partial class DockerSandboxEngine
{
    public Task<EngineNetwork> CreateNetworkAsync(NetworkSpec spec, CancellationToken cancellationToken) => Call(async () =>
    {
        var created = await _docker.Networks.CreateNetworkAsync(
            new NetworksCreateParameters
            {
                Name = spec.Name,
                Driver = "bridge",
                Internal = false,
                Attachable = false,
                EnableIPv6 = false,
                Labels = new Dictionary<string, string>(spec.Labels),
                Options = new Dictionary<string, string>
                {
                    ["com.docker.network.bridge.name"] = spec.Bridge,
                    ["com.docker.network.bridge.enable_icc"] = "false",
                    ["com.docker.network.bridge.enable_ip_masquerade"] = "true",
                },
            },
            // Not cancellable mid-request, or the engine could create it unseen and leave it.
            CancellationToken.None).ConfigureAwait(false);
        try
        {
            var inspect = await _docker.Networks.InspectNetworkAsync(created.ID, cancellationToken).ConfigureAwait(false);
            var config = inspect.IPAM?.Config?.FirstOrDefault();
            return new EngineNetwork(created.ID, config?.Subnet, config?.Gateway);
        }
        catch
        {
            await RemoveNetworkAsync(created.ID, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    });

    public async Task RemoveNetworkAsync(string networkId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            try
            {
                // An engine that is away (restarting) is waited for: the network is removed once it is back.
                await EngineAway.Cleanup.ExecuteAsync(
                    async token => await _docker.Networks.DeleteNetworkAsync(networkId, token).ConfigureAwait(false),
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
            catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException or TimeoutRejectedException)
            {
                return;
            }
        }
    }

    public Task<IReadOnlyList<EngineResource>> ListNetworksAsync(string label, CancellationToken cancellationToken) => Call<IReadOnlyList<EngineResource>>(async () =>
    {
        var networks = await _docker.Networks.ListNetworksAsync(new NetworksListParameters { Filters = LabelFilter(label) }, cancellationToken).ConfigureAwait(false);
        return networks.Select(n => new EngineResource(n.ID, n.Name, Labels(n.Labels))).ToArray();
    });
}
