using System.Globalization;
using Gadugi.BuildExec.Core.Logging;
using Microsoft.Extensions.Logging;

namespace Gadugi.BuildExec.Core.Engine;

/// <summary>
/// Removes containers this toolkit created whose owner is gone (a killed CLI, a crashed build) or
/// whose deadline has long passed. Containers of live owners are never touched.
/// </summary>
internal sealed class StaleContainerReaper(ISandboxEngine engine, ILogger logger)
{
    private static readonly TimeSpan DeadlineSlack = TimeSpan.FromMinutes(1);

    /// <summary>Removes the stale sandboxes; returns each removed one with its labels (which name its run and audit log).</summary>
    public async Task<IReadOnlyList<EngineResource>> ReapAsync(OwnerIdentity observer, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var containers = await engine.ListSandboxesAsync(ContainerLabels.Managed + "=true", cancellationToken).ConfigureAwait(false);

        var removed = new List<EngineResource>();
        foreach (var container in containers)
        {
            if (!IsStale(container.Labels, observer, now))
            {
                continue;
            }

            // "Already gone" (AutoRemove, another reaper) counts as removed. One that cannot be removed
            // now (another reaper's removal in progress, an engine hiccup) does not stop the sweep of the rest.
            try
            {
                await engine.RemoveAsync(container.Id, cancellationToken).ConfigureAwait(false);
            }
            catch (SandboxEngineException ex)
            {
                Log.RemoveFailed(logger, container.Labels.TryGetValue(ContainerLabels.Execution, out var execution) ? execution : "?", container.Id[..Math.Min(12, container.Id.Length)], ex.Message);
                continue;
            }

            removed.Add(container);
            Log.RemovedStaleContainer(logger, container.Id[..Math.Min(12, container.Id.Length)], container.Labels.TryGetValue(ContainerLabels.Owner, out var owner) ? owner : "?");
        }

        return removed;
    }

    public static bool IsStale(IReadOnlyDictionary<string, string> labels, OwnerIdentity observer, DateTimeOffset now)
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
