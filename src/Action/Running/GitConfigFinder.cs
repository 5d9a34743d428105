namespace Gadugi.BuildExec.Action.Running;

/// <summary>
/// Finds the Git config files of every repository checked out under a directory: each <c>.git</c>
/// directory at any depth up to <see cref="MaxDepth"/> (its <c>config</c> and every
/// <c>modules/**/config</c> of its submodules), and each <c>.git</c> file (<c>gitdir: &lt;path&gt;</c>,
/// as a submodule or worktree has) whose Git directory lies under one of the roots. Symbolic links
/// and other reparse points are never followed, neither while walking nor on the way to a file found,
/// and directories that cannot be read are skipped.
/// </summary>
public static class GitConfigFinder
{
    /// <summary>How many directory levels below a root are searched for checkouts.</summary>
    public const int MaxDepth = 6;

    private const int MaxGitFileLength = 4096;

    private static readonly EnumerationOptions OneLevel = new()
    {
        IgnoreInaccessible = true,
        AttributesToSkip = FileAttributes.ReparsePoint,
        RecurseSubdirectories = false,
        ReturnSpecialDirectories = false,
    };

    private static readonly EnumerationOptions Recursive = new()
    {
        IgnoreInaccessible = true,
        AttributesToSkip = FileAttributes.ReparsePoint,
        RecurseSubdirectories = true,
    };

    /// <summary>The config files found under the roots, each once, with the root it was found under.</summary>
    public static IReadOnlyList<(string Root, string Path)> Find(params string[] roots)
    {
        var fullRoots = roots.Select(root => Path.TrimEndingDirectorySeparator(Path.GetFullPath(root))).Distinct(StringComparer.Ordinal).ToArray();
        var found = new List<(string Root, string Path)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var root in fullRoots)
        {
            if (!Directory.Exists(root))
            {
                continue;
            }

            foreach (var path in Walk(root, fullRoots))
            {
                var full = Path.GetFullPath(path);
                var owner = fullRoots.FirstOrDefault(candidate => IsPlainPathUnder(candidate, full));
                if (owner is not null && seen.Add(full))
                {
                    found.Add((owner, full));
                }
            }
        }

        return found;
    }

    /// <summary>
    /// True when <paramref name="path"/> lies below <paramref name="root"/>, is a regular file (not a
    /// link, not a directory) and no directory between the root and it is a link.
    /// </summary>
    public static bool IsPlainPathUnder(string root, string path) => PlainPathProblem(root, path) is null;

    /// <summary>Why <paramref name="path"/> is not a plain regular file under <paramref name="root"/>, or null when it is.</summary>
    public static string? PlainPathProblem(string root, string path)
    {
        var relative = Path.GetRelativePath(root, path);
        if (!IsUnder(root, path))
        {
            return "it is not inside the workspace";
        }

        var directory = root;
        var parts = relative.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        foreach (var part in parts[..^1])
        {
            directory = Path.Combine(directory, part);
            var info = new DirectoryInfo(directory);
            if (info.LinkTarget is not null || (info.Exists && info.Attributes.HasFlag(FileAttributes.ReparsePoint)))
            {
                return "a directory on its path was replaced by a symbolic link";
            }

            if (!info.Exists)
            {
                return "it was deleted";
            }
        }

        var file = new FileInfo(path);
        if (file.LinkTarget is not null || (file.Exists && file.Attributes.HasFlag(FileAttributes.ReparsePoint)))
        {
            return "it was replaced by a symbolic link";
        }

        if (Directory.Exists(path))
        {
            return "it was replaced by a directory";
        }

        return file.Exists ? null : "it was deleted";
    }

    private static IEnumerable<string> Walk(string root, string[] roots)
    {
        var pending = new Queue<(string Directory, int Depth)>();
        pending.Enqueue((root, 0));
        while (pending.Count > 0)
        {
            var (directory, depth) = pending.Dequeue();
            IEnumerable<FileSystemInfo> entries;
            try
            {
                entries = new DirectoryInfo(directory).EnumerateFileSystemInfos("*", OneLevel).ToArray();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.SecurityException)
            {
                continue;
            }

            foreach (var entry in entries)
            {
                if (entry.LinkTarget is not null)
                {
                    continue;
                }

                if (entry is DirectoryInfo sub)
                {
                    if (string.Equals(sub.Name, ".git", StringComparison.Ordinal))
                    {
                        foreach (var config in GitDirectoryConfigs(sub.FullName))
                        {
                            yield return config;
                        }
                    }
                    else if (depth < MaxDepth)
                    {
                        pending.Enqueue((sub.FullName, depth + 1));
                    }
                }
                else if (string.Equals(entry.Name, ".git", StringComparison.Ordinal)
                    && GitDirOfGitFile((FileInfo)entry) is { } gitDir
                    && roots.Any(candidate => IsUnder(candidate, gitDir)))
                {
                    foreach (var config in GitDirectoryConfigs(gitDir))
                    {
                        yield return config;
                    }
                }
            }
        }
    }

    private static IEnumerable<string> GitDirectoryConfigs(string gitDir)
    {
        var config = Path.Combine(gitDir, "config");
        if (File.Exists(config))
        {
            yield return config;
        }

        var modules = Path.Combine(gitDir, "modules");
        if (!Directory.Exists(modules) || new DirectoryInfo(modules).LinkTarget is not null)
        {
            yield break;
        }

        string[] found;
        try
        {
            found = Directory.EnumerateFiles(modules, "config", Recursive).ToArray();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            yield break;
        }

        foreach (var path in found)
        {
            yield return path;
        }
    }

    /// <summary>The Git directory a <c>.git</c> file names (<c>gitdir: ../.git/modules/lib</c>), made absolute.</summary>
    private static string? GitDirOfGitFile(FileInfo file)
    {
        try
        {
            if (file.Length is 0 or > MaxGitFileLength)
            {
                return null;
            }

            var line = File.ReadLines(file.FullName).FirstOrDefault()?.Trim();
            const string Prefix = "gitdir:";
            if (line is null || !line.StartsWith(Prefix, StringComparison.Ordinal))
            {
                return null;
            }

            var target = line[Prefix.Length..].Trim();
            return target.Length == 0 ? null : Path.GetFullPath(target, file.DirectoryName!);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null;
        }
    }

    private static bool IsUnder(string root, string path)
    {
        var relative = Path.GetRelativePath(root, path);
        return relative != "." && relative != ".."
            && !relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            && !relative.StartsWith(".." + Path.AltDirectorySeparatorChar, StringComparison.Ordinal)
            && !Path.IsPathRooted(relative);
    }
}
