using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;
using Gadugi.BuildExec.Core.Logging;
using Microsoft.Extensions.Logging;

namespace Gadugi.BuildExec.Core.Engine;

/// <summary>
/// Removes containers this toolkit created whose owner is gone (a killed CLI, a crashed build) or
/// whose deadline has long passed. Containers of live owners are never touched.
/// </summary>
public sealed class StaleContainerReaper(IDockerClient docker, ILogger logger)
{
    private static readonly TimeSpan DeadlineSlack = TimeSpan.FromMinutes(1);

    public async Task<IReadOnlyList<string>> ReapAsync(OwnerIdentity observer, DateTimeOffset now, CancellationToken cancellationToken) =>
        (await ReapContainersAsync(observer, now, cancellationToken).ConfigureAwait(false)).Select(removed => removed.ContainerId).ToArray();

    /// <summary>Removes the stale containers; returns each removed one with its labels (which name its run and audit log).</summary>
    public async Task<IReadOnlyList<(string ContainerId, IDictionary<string, string> Labels)>> ReapContainersAsync(OwnerIdentity observer, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var containers = await docker.Containers.ListContainersAsync(
            new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>>
                {
                    ["label"] = new Dictionary<string, bool> { [ContainerLabels.Managed + "=true"] = true },
                },
            },
            cancellationToken).ConfigureAwait(false);

        var removed = new List<(string, IDictionary<string, string>)>();
        foreach (var container in containers)
        {
            if (container.Labels is not { } labels || !IsStale(labels, observer, now))
            {
                continue;
            }

            try
            {
                await docker.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, cancellationToken).ConfigureAwait(false);
                removed.Add((container.ID, labels));
                Log.RemovedStaleContainer(logger, container.ID[..12], container.Labels.TryGetValue(ContainerLabels.Owner, out var owner) ? owner : "?");
            }
            catch (DockerContainerNotFoundException)
            {
                // Removed meanwhile (AutoRemove or another reaper).
            }
            catch (DockerApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.Conflict)
            {
                // Removal already in progress.
            }
        }

        return removed;
    }

    public static bool IsStale(IDictionary<string, string> labels, OwnerIdentity observer, DateTimeOffset now)
    {
        if (labels.TryGetValue(ContainerLabels.Deadline, out var deadlineText)
            && long.TryParse(deadlineText, CultureInfo.InvariantCulture, out var deadline)
            && now > DateTimeOffset.FromUnixTimeSeconds(deadline) + DeadlineSlack)
        {
            return true;
        }

        var owner = OwnerIdentity.Parse(labels.TryGetValue(ContainerLabels.Owner, out var ownerText) ? ownerText : null);
        return owner is not null && owner.IsAliveAsSeenFrom(observer) == false;
    }
}
