using Gadugi.BuildExec.Core.FileSystem;

namespace Gadugi.BuildExec.Core.Execution.Confinement;

/// <summary>
/// The host's control files in a workspace a sandbox may write (<c>workspace: rw</c>): what the host
/// runs or obeys without asking — Git's hooks and config, Claude Code's settings and hooks, MCP
/// servers, Gadugi's own policies, the policy file and seccomp profile of this run — stays read-only
/// inside the sandbox, and what does not exist yet cannot be created. Placeholders leave an empty
/// mount point on the host during the run; <see cref="RemovePlaceholders"/> takes them away after it.
/// </summary>
internal sealed class WorkspaceProtection
{
    /// <summary>Always protected, whatever the policy says; a policy's <c>protect:</c> adds to these.</summary>
    public static readonly IReadOnlyList<string> Defaults =
    [
        ".git",
        ".gitmodules",
        ".claude/settings.json",
        ".claude/settings.local.json",
        ".claude/hooks",
        ".mcp.json",
        ".gadugi",
    ];

    /// <summary>The defaults that are files: their placeholder is a file too, so the host never sees a directory by that name.</summary>
    private static readonly HashSet<string> FileDefaults = new(StringComparer.Ordinal) { ".gitmodules", ".claude/settings.json", ".claude/settings.local.json", ".mcp.json" };

    /// <summary>How deep nested repositories (a '.git' below the root: vendored checkouts, worktrees) are looked for.</summary>
    public const int NestedRepositoryDepth = 4;

    private const int MaxDirectoriesScanned = 20_000;

    private WorkspaceProtection(string workspace, IReadOnlyList<ProtectedMount> mounts)
    {
        Workspace = workspace;
        Mounts = mounts;
    }

    public string Workspace { get; }

    public IReadOnlyList<ProtectedMount> Mounts { get; }

    /// <summary>Nothing to protect: the workspace is mounted read-only.</summary>
    public static WorkspaceProtection None(string workspace) => new(workspace, []);

    /// <summary>
    /// Works out the mounts for a request. Throws GBX1407 when a protected path (or a directory on its
    /// way) is a symbolic link: the sandbox could replace the link, which no mount can pin.
    /// </summary>
    public static WorkspaceProtection Plan(ExecutionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var workspace = request.WorkingDirectory;
        if (!Posix.Supported)
        {
            return None(workspace);
        }

        var mounts = request.Policy.Workspace == WorkspaceAccess.ReadWrite ? ProtectControlFiles(request) : new Dictionary<string, ProtectionKind>(StringComparer.Ordinal);
        if (request.HideGitMetadata)
        {
            GitMetadataMask.Apply(workspace, NestedRepositories(workspace), mounts);
        }

        return new WorkspaceProtection(workspace, mounts.Select(pair => new ProtectedMount(pair.Key, pair.Value)).OrderBy(mount => mount.RelativePath.Count(c => c == '/')).ThenBy(mount => mount.RelativePath, StringComparer.Ordinal).ToArray());
    }

    private static Dictionary<string, ProtectionKind> ProtectControlFiles(ExecutionRequest request)
    {
        var workspace = request.WorkingDirectory;
        var wanted = new List<string>(Defaults);
        wanted.AddRange(request.Policy.Protect);
        wanted.AddRange(FilesOfThePolicy(request.Policy).Select(file => Relative(workspace, file)).OfType<string>());
        wanted.AddRange(NestedRepositories(workspace));
        var mounts = new Dictionary<string, ProtectionKind>(StringComparer.Ordinal);
        foreach (var path in wanted.Distinct(StringComparer.Ordinal).OrderBy(path => path.Count(c => c == '/')).ThenBy(path => path, StringComparer.Ordinal))
        {
            Protect(workspace, path, mounts, request.Policy);
            if (mounts.GetValueOrDefault(path) == ProtectionKind.ReadOnly)
            {
                foreach (var gitDirectory in GitDirectoriesNamedBy(workspace, path))
                {
                    Protect(workspace, gitDirectory, mounts, request.Policy);
                }
            }
        }

        return mounts;
    }

    /// <summary>Removes the empty mount points the placeholders left on the host (after the sandbox is gone).</summary>
    public void RemovePlaceholders()
    {
        foreach (var mount in Mounts.Where(mount => mount.Kind is ProtectionKind.Placeholder or ProtectionKind.PlaceholderFile))
        {
            try
            {
                var path = Path.Combine(Workspace, mount.RelativePath);
                var directory = new DirectoryInfo(path);
                var file = new FileInfo(path);
                if (directory.Exists && directory.LinkTarget is null && !directory.EnumerateFileSystemInfos().Any())
                {
                    directory.Delete();
                }
                else if (mount.Kind == ProtectionKind.PlaceholderFile && file.Exists && file.LinkTarget is null && file.Length == 0)
                {
                    file.Delete();
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Left as an empty directory: harmless, and the next run's placeholder reuses it.
            }
        }
    }

    private static void Protect(string workspace, string relative, Dictionary<string, ProtectionKind> mounts, SandboxPolicy policy)
    {
        var parts = relative.Split('/');
        for (var i = 0; i < parts.Length; i++)
        {
            var prefix = string.Join('/', parts[..(i + 1)]);
            if (mounts.TryGetValue(prefix, out var existing) && existing is not ProtectionKind.Pinned)
            {
                return; // Already read-only from here down.
            }

            var full = Path.Combine(workspace, prefix);
            var info = new FileInfo(full);
            if (info.LinkTarget is { } target)
            {
                throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.ProtectedPathIsLink), prefix, target, workspace, policy.Name));
            }

            var isLast = i == parts.Length - 1;
            if (!info.Exists && !Directory.Exists(full))
            {
                mounts[prefix] = isLast && FileDefaults.Contains(prefix) ? ProtectionKind.PlaceholderFile : ProtectionKind.Placeholder;
                return;
            }

            if (isLast || !Directory.Exists(full))
            {
                // A file where a directory was expected cannot hold the protected path; keeping the
                // file as it is keeps the sandbox from making a directory there.
                mounts[prefix] = ProtectionKind.ReadOnly;
                return;
            }

            mounts[prefix] = ProtectionKind.Pinned;
        }
    }

    /// <summary>The policy file and the seccomp profile it names: a sandbox must not rewrite the rules of the next run.</summary>
    private static IEnumerable<string> FilesOfThePolicy(SandboxPolicy policy)
    {
        if (policy.Source != "built-in" && Path.IsPathFullyQualified(policy.Source))
        {
            yield return policy.Source;
        }

        if (policy.SeccompProfile is { } seccomp && Path.IsPathFullyQualified(seccomp))
        {
            yield return seccomp;
        }
    }

    /// <summary>'.git' directories and files below the root (nested checkouts, worktrees), without following links.</summary>
    private static List<string> NestedRepositories(string workspace)
    {
        var found = new List<string>();
        var queue = new Queue<(string Path, int Depth)>();
        queue.Enqueue((workspace, 0));
        var scanned = 0;
        while (queue.TryDequeue(out var current) && scanned++ < MaxDirectoriesScanned)
        {
            IEnumerable<FileSystemInfo> children;
            try
            {
                children = new DirectoryInfo(current.Path).EnumerateFileSystemInfos().ToArray();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            foreach (var child in children)
            {
                if (child.Name == ".git")
                {
                    if (current.Depth > 0)
                    {
                        found.Add(Path.GetRelativePath(workspace, child.FullName).Replace('\\', '/'));
                    }

                    continue;
                }

                if (child is DirectoryInfo && child.LinkTarget is null && current.Depth + 1 < NestedRepositoryDepth && child.Name != "node_modules")
                {
                    queue.Enqueue((child.FullName, current.Depth + 1));
                }
            }
        }

        return found;
    }

    /// <summary>
    /// For a '.git' file (a worktree or submodule: "gitdir: …"), the Git directory it names and that
    /// directory's "commondir", when they lie inside the workspace: the host's git reads its config and
    /// hooks there.
    /// </summary>
    internal static IEnumerable<string> GitDirectoriesNamedBy(string workspace, string relative)
    {
        var dotGit = Path.Combine(workspace, relative);
        if (Path.GetFileName(relative) != ".git" || !File.Exists(dotGit))
        {
            yield break;
        }

        var gitDirectory = ReadPointer(dotGit, "gitdir:", Path.GetDirectoryName(dotGit)!);
        if (gitDirectory is null)
        {
            yield break;
        }

        if (Relative(workspace, gitDirectory) is { } inside)
        {
            yield return inside;
        }

        var commonFile = Path.Combine(gitDirectory, "commondir");
        if (File.Exists(commonFile) && ReadPointer(commonFile, string.Empty, gitDirectory) is { } common && Relative(workspace, common) is { } commonInside)
        {
            yield return commonInside;
        }
    }

    private static string? ReadPointer(string file, string prefix, string baseDirectory)
    {
        string text;
        try
        {
            text = File.ReadLines(file).FirstOrDefault()?.Trim() ?? string.Empty;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        if (!text.StartsWith(prefix, StringComparison.Ordinal) || text.Length == prefix.Length)
        {
            return null;
        }

        var target = Path.GetFullPath(Path.Combine(baseDirectory, text[prefix.Length..].Trim()));
        return Posix.RealPath(target) ?? target;
    }

    /// <summary>The '/'-separated path of <paramref name="path"/> under the workspace (links resolved), or null outside it.</summary>
    internal static string? Relative(string workspace, string path)
    {
        var real = Posix.RealPath(path) ?? Path.GetFullPath(path);
        if (!real.StartsWith(workspace.TrimEnd('/') + "/", StringComparison.Ordinal))
        {
            return null;
        }

        return Path.GetRelativePath(workspace, real).Replace('\\', '/');
    }
}
