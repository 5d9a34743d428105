namespace Gadugi.BuildExec.Core.Workflows;

/// <summary>
/// What the host takes for a task's repository: the worktree's own <c>.git</c> (a link file naming
/// the git directory, or the directory itself). A phase must leave it exactly as it was and may not
/// plant a <c>.git</c> anywhere else in the tree: the host's git would otherwise follow a sandbox's
/// choice of repository (its config, its hooks) when it commits the checkpoint.
/// </summary>
internal static class GitLinkGuard
{
    public static string Fingerprint(string taskDirectory)
    {
        var path = Path.Combine(taskDirectory, ".git");
        var info = new FileInfo(path);
        if (info.LinkTarget is { } target)
        {
            return "link:" + target;
        }

        if (Directory.Exists(path))
        {
            return "directory:" + new DirectoryInfo(path).CreationTimeUtc.Ticks;
        }

        return File.Exists(path) ? "file:" + File.ReadAllText(path).Trim() : "none";
    }

    /// <summary>Why the tree is no longer safe for the host's git, or null.</summary>
    public static string? Problem(string taskDirectory, string before)
    {
        var after = Fingerprint(taskDirectory);
        if (after != before)
        {
            return $"the worktree's .git changed during the phase (was {before}, now {after})";
        }

        var planted = Planted(taskDirectory).FirstOrDefault();
        return planted is null ? null : $"a .git was planted at '{Path.GetRelativePath(taskDirectory, planted)}'";
    }

    private static IEnumerable<string> Planted(string root)
    {
        var pending = new Stack<string>([root]);
        while (pending.TryPop(out var directory))
        {
            IEnumerable<FileSystemInfo> entries;
            try
            {
                entries = new DirectoryInfo(directory).EnumerateFileSystemInfos();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            foreach (var entry in entries)
            {
                var top = directory == root;
                if (entry.Name == ".git" && !top)
                {
                    yield return entry.FullName;
                }
                else if (entry is DirectoryInfo && entry.LinkTarget is null && !(top && entry.Name is ".git" or ".gadugi" or ".worktrees"))
                {
                    pending.Push(entry.FullName);
                }
            }
        }
    }
}
