using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Action.Resources;

namespace Gadugi.BuildExec.Action.HostPaths;

/// <summary>
/// Chooses how sandbox bind-mount sources are named. Outside a container the paths are the host's
/// already (identity). Inside one, the action talks to the host's engine through the mounted socket,
/// so its sandboxes are siblings whose bind mounts the host resolves: the action inspects its own
/// container and maps paths through that container's mounts.
/// </summary>
public static class HostPathMapping
{
    /// <summary>Where the runner mounts the workspace for a container action.</summary>
    public const string RunnerWorkspace = "/github/workspace";

    public static async Task<IEnginePathMapper> CreateAsync(ISandboxEngine engine, ContainerProbe probe, string workspace, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(workspace);

        // The runner's layout for container actions: this process must be in a container, and its
        // paths are not the host's. Elsewhere (a host, a VM that happens to have /.dockerenv) only
        // a container id found in /proc says so.
        var runnerLayout = workspace == RunnerWorkspace || workspace.StartsWith(RunnerWorkspace + "/", StringComparison.Ordinal);
        var identity = OwnContainerLocator.Find(probe);
        if (identity is null)
        {
            return runnerLayout
                ? throw NotFound($"the workspace is {workspace}, but neither /proc/self/mountinfo nor /proc/self/cgroup names a container id and the hostname '{probe.Hostname}' is not one{(probe.DockerEnvFile ? string.Empty : "; /.dockerenv is absent")}")
                : IdentityPathMapper.Instance;
        }

        var container = await engine.FindContainerAsync(identity.Id, cancellationToken).ConfigureAwait(false);
        if (container is null)
        {
            if (!identity.Certain && !runnerLayout)
            {
                // Only a hostname that happens to look like an id: this process is not in a container.
                return IdentityPathMapper.Instance;
            }

            throw NotFound($"found id {identity.Id[..12]} in {identity.Source}, but the engine behind the socket does not know it: the socket leads to another engine than the one running the action");
        }

        var mounts = container.Mounts.Select(mount => new ContainerMount(mount.Destination, mount.Source, mount.Type)).ToList();
        return new ContainerMountMapper(container.Id, mounts, workspace);
    }

    private static GadugiException NotFound(string why, Exception? inner = null) =>
        new(Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionOwnContainerNotFound), why), inner);
}
