using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Action.Resources;

namespace Gadugi.BuildExec.Action.HostPaths;

/// <summary>One mount of the action's container: where it appears inside, and its source on the engine's host.</summary>
public sealed record ContainerMount(string Destination, string Source, string Type);

/// <summary>
/// Maps a path inside the action's container to the engine host's path through the container's own
/// mounts: the mount with the longest destination that contains the path wins, and the rest of the
/// path is appended to that mount's host source. /github/workspace/src thus becomes
/// /home/runner/work/repo/repo/src. A path under no mount cannot be bind-mounted into a sandbox (GBX5002).
/// </summary>
public sealed class ContainerMountMapper : IEnginePathMapper
{
    private readonly List<ContainerMount> _mounts;
    private readonly string _containerId;
    private readonly string _hint;

    public ContainerMountMapper(string containerId, IEnumerable<ContainerMount> mounts, string hint)
    {
        ArgumentNullException.ThrowIfNull(mounts);
        _containerId = containerId;
        _hint = hint;
        _mounts = mounts
            .Where(mount => mount.Destination.StartsWith('/') && mount.Source.StartsWith('/'))
            .OrderByDescending(mount => mount.Destination.TrimEnd('/').Length)
            .ToList();
    }

    public IReadOnlyList<ContainerMount> Mounts => _mounts;

    public string ToEnginePath(string localPath)
    {
        var path = Path.GetFullPath(localPath);
        if (path.Length > 1)
        {
            path = path.TrimEnd('/');
        }
        foreach (var mount in _mounts)
        {
            var destination = mount.Destination.Length > 1 ? mount.Destination.TrimEnd('/') : mount.Destination;
            if (path == destination)
            {
                return mount.Source;
            }

            var prefix = destination == "/" ? "/" : destination + "/";
            if (path.StartsWith(prefix, StringComparison.Ordinal))
            {
                return mount.Source.TrimEnd('/') + "/" + path[prefix.Length..];
            }
        }

        var known = _mounts.Count == 0 ? "none" : string.Join(", ", _mounts.Select(mount => mount.Destination));
        throw new GadugiException(Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionPathNotMounted), path, ShortId(_containerId), known, _hint));
    }

    private static string ShortId(string id) => id.Length > 12 ? id[..12] : id;
}
