namespace Gadugi.BuildExec.Core.Execution.Confinement;

/// <summary>
/// Git's metadata masked out of a sandbox's view: each existing '.git' (the workspace's and nested
/// ones) is covered by an empty read-only mount, as are the Git directories a '.git' file or link
/// names inside the workspace. The sandbox then can neither read the repository's config, objects or
/// hooks nor write a hook the host's git would run; the host's files are untouched (the masks exist
/// only in the sandbox's mount namespace), so nothing is left to clean up.
/// </summary>
internal static class GitMetadataMask
{
    /// <summary>Adds the masks to <paramref name="mounts"/>, replacing any protection at or below a masked path.</summary>
    public static void Apply(string workspace, IEnumerable<string> nestedRepositories, Dictionary<string, ProtectionKind> mounts)
    {
        var masks = new Dictionary<string, ProtectionKind>(StringComparer.Ordinal);
        foreach (var dotGit in nestedRepositories.Prepend(".git").Distinct(StringComparer.Ordinal))
        {
            AddMask(workspace, dotGit, masks);
        }

        foreach (var covered in mounts.Keys.Where(path => masks.Keys.Any(mask => path == mask || path.StartsWith(mask + "/", StringComparison.Ordinal))).ToArray())
        {
            mounts.Remove(covered);
        }

        foreach (var (path, kind) in masks.Where(mask => !masks.Keys.Any(other => mask.Key.StartsWith(other + "/", StringComparison.Ordinal))))
        {
            mounts[path] = kind;
        }
    }

    private static void AddMask(string workspace, string relative, Dictionary<string, ProtectionKind> masks)
    {
        var full = Path.Combine(workspace, relative);
        var info = new FileInfo(full);
        if (info.LinkTarget is not null)
        {
            // A link: what it points to inside the workspace is masked (outside it, the sandbox sees nothing of it).
            if (WorkspaceProtection.Relative(workspace, full) is { } target && target != relative)
            {
                AddMask(workspace, target, masks);
            }

            return;
        }

        if (Directory.Exists(full))
        {
            masks[relative] = ProtectionKind.Masked;
        }
        else if (info.Exists)
        {
            masks[relative] = ProtectionKind.MaskedFile;
            foreach (var gitDirectory in WorkspaceProtection.GitDirectoriesNamedBy(workspace, relative))
            {
                if (Directory.Exists(Path.Combine(workspace, gitDirectory)))
                {
                    masks[gitDirectory] = ProtectionKind.Masked;
                }
            }
        }
    }
}
