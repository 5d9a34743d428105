using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Gadugi.BuildExec.Core.FileSystem;

/// <summary>
/// The *at() calls the managed runtime does not offer: opening a name relative to an open directory
/// without following a link, so a path checked once cannot be swapped for a link before it is used.
/// Flag values differ between architectures (arm and arm64 swap O_DIRECTORY and O_NOFOLLOW bits).
/// </summary>
internal static partial class Posix
{
    public const int ENOENT = 2;
    public const int EEXIST = 17;
    public const int ENOTDIR = 20;
    public const int EISDIR = 21;
    public const int ENAMETOOLONG = 36;
    public const int ELOOP = 40;
    public const int ENXIO = 6;

    private const int OWrOnly = 0x1;
    private const int OReadWrite = 0x2;
    private const int OCreate = 0x40;
    private const int OExclusive = 0x80;
    private const int ONonBlock = 0x800;
    private const int OCloseOnExec = 0x80000;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtRemoveDir = 0x200;
    private const int StatxBasicStats = 0x7FF;

    private static readonly bool ArmLayout = RuntimeInformation.ProcessArchitecture is Architecture.Arm or Architecture.Arm64 or Architecture.Armv6;
    private static readonly int ODirectory = ArmLayout ? 0x4000 : 0x10000;
    private static readonly int ONoFollow = ArmLayout ? 0x8000 : 0x20000;

    public enum Kind
    {
        Missing,
        Directory,
        Regular,
        SymbolicLink,
        Other,
    }

    /// <summary>What lstat would say of a name: its kind, owner, size and link count.</summary>
    public readonly record struct Entry(Kind Kind, uint Uid, long Size, uint Links);

    public static bool Supported => OperatingSystem.IsLinux();

    /// <summary>Opens an absolute directory path as a handle (following links: the caller decides where that is allowed).</summary>
    public static SafeFileHandle OpenDirectory(string absolutePath) =>
        Check(OpenAt(-100, absolutePath, ODirectory | OCloseOnExec, 0), absolutePath);

    /// <summary>Opens <paramref name="name"/> in <paramref name="directory"/> as a directory; a link there fails with ELOOP or ENOTDIR.</summary>
    public static SafeFileHandle OpenChildDirectory(SafeFileHandle directory, string name) =>
        Check(OpenAt(directory, name, ODirectory | ONoFollow | OCloseOnExec, 0), name);

    /// <summary>Creates <paramref name="name"/> as a new regular file for writing; never opens an existing entry, never follows a link.</summary>
    public static SafeFileHandle CreateNewFile(SafeFileHandle directory, string name, UnixFileMode mode) =>
        Check(OpenAt(directory, name, OWrOnly | OCreate | OExclusive | ONoFollow | OCloseOnExec, (int)mode), name);

    /// <summary>
    /// Opens an existing file for appending without following a link and without blocking on a FIFO
    /// (a non-regular file is the caller's to refuse after <see cref="Describe(SafeFileHandle)"/>).
    /// </summary>
    public static SafeFileHandle OpenNoFollow(string absolutePath, bool create, UnixFileMode mode, bool readOnly = false)
    {
        var flags = (readOnly ? 0 : OReadWrite) | ONoFollow | ONonBlock | OCloseOnExec | (create ? OCreate : 0);
        return Check(OpenAt(-100, absolutePath, flags, (int)mode), absolutePath);
    }

    /// <summary>flock(LOCK_EX | LOCK_NB): false when another open file description holds the lock.</summary>
    public static bool TryLockExclusive(SafeFileHandle handle)
    {
        if (Flock(handle, 2 | 4) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == 11 ? false : throw new PosixException(errno, "flock");
    }

    /// <summary>mkdirat; false when the name already exists (of any kind).</summary>
    public static bool MakeDirectory(SafeFileHandle directory, string name, UnixFileMode mode)
    {
        if (MkdirAt(directory, name, (int)mode) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == EEXIST ? false : throw new PosixException(errno, name);
    }

    public static void Unlink(SafeFileHandle directory, string name, bool isDirectory = false)
    {
        if (UnlinkAt(directory, name, isDirectory ? AtRemoveDir : 0) != 0)
        {
            throw new PosixException(Marshal.GetLastPInvokeError(), name);
        }
    }

    /// <summary>lstat of a name relative to a directory handle; <see cref="Kind.Missing"/> when it does not exist.</summary>
    public static Entry Describe(SafeFileHandle directory, string name) => Statx(directory, name, AtSymlinkNoFollow);

    /// <summary>fstat of an open handle.</summary>
    public static Entry Describe(SafeFileHandle handle) => Statx(handle, string.Empty, 0x1000 /* AT_EMPTY_PATH */);

    /// <summary>The target text of a link, relative to a directory handle.</summary>
    public static string ReadLink(SafeFileHandle directory, string name)
    {
        var buffer = new byte[4096];
        var length = ReadLinkAt(directory, name, buffer, buffer.Length);
        return length < 0
            ? throw new PosixException(Marshal.GetLastPInvokeError(), name)
            : System.Text.Encoding.UTF8.GetString(buffer, 0, (int)length);
    }

    /// <summary>The path the kernel has for an open handle (/proc/self/fd).</summary>
    public static string PathOf(SafeFileHandle handle) =>
        new FileInfo("/proc/self/fd/" + handle.DangerousGetHandle().ToInt64().ToString(System.Globalization.CultureInfo.InvariantCulture)).LinkTarget ?? string.Empty;

    /// <summary>realpath(3): every link resolved; null when the path does not exist.</summary>
    public static string? RealPath(string path)
    {
        var resolved = RealPathNative(path, 0);
        if (resolved == 0)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            Free(resolved);
        }
    }

    private static unsafe Entry Statx(SafeFileHandle directory, string name, int flags)
    {
        // struct statx is 256 bytes with the same layout on every architecture.
        var buffer = stackalloc byte[256];
        if (StatxNative(directory, name, flags, StatxBasicStats, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno is ENOENT or ENOTDIR ? new Entry(Kind.Missing, 0, 0, 0) : throw new PosixException(errno, name);
        }

        var links = *(uint*)(buffer + 16);
        var uid = *(uint*)(buffer + 20);
        var mode = *(ushort*)(buffer + 28);
        var size = *(long*)(buffer + 40);
        var kind = (mode & 0xF000) switch
        {
            0x4000 => Kind.Directory,
            0x8000 => Kind.Regular,
            0xA000 => Kind.SymbolicLink,
            _ => Kind.Other,
        };
        return new Entry(kind, uid, size, links);
    }

    private static SafeFileHandle Check(int fd, string name) =>
        fd >= 0 ? new SafeFileHandle(fd, ownsHandle: true) : throw new PosixException(Marshal.GetLastPInvokeError(), name);

    private static int OpenAt(SafeFileHandle directory, string name, int flags, int mode) => OpenAtNative(directory, name, flags, mode);

    private static int OpenAt(int directory, string name, int flags, int mode) => OpenAtCwd(directory, name, flags, mode);

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenAtNative(SafeFileHandle directory, string name, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenAtCwd(int directory, string name, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkdirAt(SafeFileHandle directory, string name, int mode);

    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UnlinkAt(SafeFileHandle directory, string name, int flags);

    [LibraryImport("libc", EntryPoint = "readlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint ReadLinkAt(SafeFileHandle directory, string name, byte[] buffer, nint size);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(SafeFileHandle handle, int operation);

    [LibraryImport("libc", EntryPoint = "realpath", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint RealPathNative(string path, nint resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(nint pointer);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int StatxNative(SafeFileHandle directory, string name, int flags, int mask, byte* buffer);
}

/// <summary>A refused or failed *at() call: the errno and the name it was about. Deliberately not an IOException (those mean the engine failed).</summary>
internal sealed class PosixException(int errno, string name)
    : Exception($"{name}: {Marshal.GetPInvokeErrorMessage(errno)}")
{
    public int Errno { get; } = errno;

    public string Name { get; } = name;
}
