namespace Gadugi.BuildExec.Core.Engine;

/// <summary>How one protected path reaches a <c>workspace: rw</c> sandbox.</summary>
public enum ProtectionKind
{
    /// <summary>The existing file or directory, bind-mounted read-only over itself.</summary>
    ReadOnly,

    /// <summary>A directory on the way to a protected path, bind-mounted read-write over itself: still writable, but as a mount point it cannot be renamed or removed (EBUSY), so the protected path below stays where the host looks for it.</summary>
    Pinned,

    /// <summary>A directory (or a path of unknown kind) that does not exist: an empty read-only tmpfs there, so the sandbox cannot create it.</summary>
    Placeholder,

    /// <summary>A file that does not exist: /dev/null bound read-only there (the host sees an empty file during the run).</summary>
    PlaceholderFile,

    /// <summary>An existing directory the sandbox must not see at all (Git's metadata in a workflow's directory isolation): an empty read-only tmpfs over it.</summary>
    Masked,

    /// <summary>An existing file the sandbox must not see at all (a worktree's '.git' link): /dev/null bound read-only over it.</summary>
    MaskedFile,
}

/// <summary>One mount of the protection: <paramref name="RelativePath"/> under the workspace ('/'-separated).</summary>
public sealed record ProtectedMount(string RelativePath, ProtectionKind Kind);
