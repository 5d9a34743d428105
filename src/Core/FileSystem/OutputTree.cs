using Microsoft.Win32.SafeHandles;

namespace Gadugi.BuildExec.Core.FileSystem;

/// <summary>
/// Writes the entries of a hostile archive under one directory handle: every component is opened
/// with O_NOFOLLOW relative to its parent's handle and every file is created new (O_EXCL), so no
/// link — planted before, or swapped in while this runs — and no hard link is ever written through.
/// A problem with one entry is returned as a reason; it never throws for what the archive holds.
/// </summary>
internal sealed class OutputTree(SafeFileHandle root) : IDisposable
{
    private const UnixFileMode DirectoryMode = (UnixFileMode)0x1ED;

    private string? _cachedParent;
    private SafeFileHandle? _cachedHandle;

    /// <summary>Makes the directory <paramref name="parts"/>; null, or why not.</summary>
    public string? CreateDirectory(IReadOnlyList<string> parts)
    {
        var (handle, problem) = OpenDirectory(parts);
        if (handle is not null && handle != root && handle != _cachedHandle)
        {
            handle?.Dispose();
        }

        return problem;
    }

    /// <summary>Creates <paramref name="parts"/> as a new file (replacing a regular file of that name); the open stream, or why not.</summary>
    public (FileStream? Stream, string? Problem) CreateFile(IReadOnlyList<string> parts, UnixFileMode mode)
    {
        var (parent, problem) = ParentOf(parts);
        if (parent is null)
        {
            return (null, problem);
        }

        var name = parts[^1];
        try
        {
            var existing = Posix.Describe(parent, name);
            switch (existing.Kind)
            {
                case Posix.Kind.Regular:
                    // Unlinked, not truncated: a hard link to it elsewhere keeps its content.
                    Posix.Unlink(parent, name);
                    break;
                case Posix.Kind.Directory:
                    return (null, "a directory of that name is already there");
                case Posix.Kind.SymbolicLink:
                    return (null, "a symbolic link of that name is already there; it is not written through");
                case Posix.Kind.Other:
                    return (null, "a FIFO, socket or device of that name is already there");
            }

            var handle = Posix.CreateNewFile(parent, name, mode);
            return (new FileStream(handle, FileAccess.Write), null);
        }
        catch (PosixException ex)
        {
            return (null, Explain(ex));
        }
    }

    private (SafeFileHandle? Handle, string? Problem) ParentOf(IReadOnlyList<string> parts)
    {
        var parentKey = string.Join('/', parts.Take(parts.Count - 1));
        if (_cachedParent == parentKey && _cachedHandle is not null)
        {
            return (_cachedHandle, null);
        }

        var (handle, problem) = OpenDirectory(parts.Take(parts.Count - 1).ToArray());
        if (handle is not null && handle != root)
        {
            _cachedHandle?.Dispose();
            _cachedHandle = handle;
            _cachedParent = parentKey;
        }

        return (handle, problem);
    }

    /// <summary>Opens (creating) each component below the root; the root's own handle for no components.</summary>
    private (SafeFileHandle? Handle, string? Problem) OpenDirectory(IReadOnlyList<string> parts)
    {
        var current = root;
        try
        {
            foreach (var part in parts)
            {
                Posix.MakeDirectory(current, part, DirectoryMode);
                SafeFileHandle next;
                try
                {
                    next = Posix.OpenChildDirectory(current, part);
                }
                catch (PosixException ex) when (ex.Errno is Posix.ELOOP or Posix.ENOTDIR)
                {
                    return (null, Posix.Describe(current, part).Kind == Posix.Kind.SymbolicLink
                        ? $"'{part}' on its path is a symbolic link; it is not written through"
                        : $"'{part}' on its path is a file, not a directory");
                }
                finally
                {
                    if (current != root)
                    {
                        current.Dispose();
                    }
                }

                current = next;
            }

            return (current, null);
        }
        catch (PosixException ex)
        {
            if (current != root)
            {
                current.Dispose();
            }

            return (null, Explain(ex));
        }
    }

    private static string Explain(PosixException ex) => ex.Errno switch
    {
        Posix.ENAMETOOLONG => "a name on its path is longer than the file system allows",
        _ => ex.Message,
    };

    public void Dispose() => _cachedHandle?.Dispose();
}
