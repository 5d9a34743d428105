using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Action.Resources;

namespace Gadugi.BuildExec.Action.Context;

/// <summary>
/// Keeps input paths inside the workspace, with symbolic links resolved: sandboxes bind-mount these
/// paths from the host, so a link out of the workspace must not widen what a sandbox sees.
/// </summary>
public static class PathGuard
{
    public static string InsideWorkspace(string workspace, string input, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var root = RealPath(workspace);
        var resolved = RealPath(Path.GetFullPath(Path.Combine(root, value)));
        if (!IsInside(root, resolved))
        {
            throw new GadugiException(Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionPathOutsideWorkspace), input, value, resolved, root));
        }

        return resolved;
    }

    public static bool IsInside(string root, string path) =>
        path == root || path.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal);

    /// <summary>The absolute path with every symbolic link along it resolved (like realpath); a missing tail stays as given.</summary>
    public static string RealPath(string path) => RealPath(path, 0);

    private static string RealPath(string path, int depth)
    {
        var full = Path.GetFullPath(path);
        var parts = full.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var current = "/";
        for (var i = 0; i < parts.Length; i++)
        {
            var next = Path.Combine(current, parts[i]);
            if (new FileInfo(next).LinkTarget is { } target)
            {
                if (depth >= 40)
                {
                    return full;
                }

                current = RealPath(Path.Combine(current, target), depth + 1);
            }
            else if (File.Exists(next) || Directory.Exists(next))
            {
                current = next;
            }
            else
            {
                return Path.Combine([next, .. parts[(i + 1)..]]);
            }
        }

        return current;
    }
}
