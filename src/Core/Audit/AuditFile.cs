using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.FileSystem;
using Microsoft.Win32.SafeHandles;

namespace Gadugi.BuildExec.Core.Audit;

/// <summary>
/// Opens the audit log as a regular file or not at all: never through a symbolic link at its name
/// (O_NOFOLLOW), never blocking on a FIFO (O_NONBLOCK), never a device. Whoever can write the log's
/// directory (a sandbox whose workspace holds it, a committed file in a checkout) could otherwise
/// make an append land in any file the caller can write, or hang the caller on a pipe.
/// </summary>
internal static class AuditFile
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Raised by <see cref="OpenForAppend"/> while another process holds the log's lock.</summary>
    internal sealed class LockBusyException(string path) : IOException($"{path} is being used by another process");

    /// <summary>Opens (creating, 0600) and locks the log for an append.</summary>
    public static FileStream OpenForAppend(string path)
    {
        if (!Posix.Supported)
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 4096, FileOptions.Asynchronous);
        }

        var handle = Open(path, create: true, readOnly: false);
        try
        {
            if (!Posix.TryLockExclusive(handle))
            {
                throw new LockBusyException(path);
            }

            return new FileStream(handle, FileAccess.ReadWrite, 4096);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Opens an existing log for reading; null when it does not exist.</summary>
    public static FileStream? OpenForRead(string path)
    {
        if (!Posix.Supported)
        {
            return File.Exists(path) ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 65536) : null;
        }

        try
        {
            return new FileStream(Open(path, create: false, readOnly: true), FileAccess.Read, 65536);
        }
        catch (PosixException ex) when (ex.Errno == Posix.ENOENT)
        {
            return null;
        }
    }

    private static SafeFileHandle Open(string path, bool create, bool readOnly)
    {
        SafeFileHandle handle;
        try
        {
            handle = Posix.OpenNoFollow(path, create, OwnerReadWrite, readOnly);
        }
        catch (PosixException ex) when (ex.Errno == Posix.ELOOP)
        {
            throw NotRegular(path, "a symbolic link");
        }
        catch (PosixException ex) when (ex.Errno == Posix.ENXIO)
        {
            throw NotRegular(path, "a FIFO or socket");
        }

        var entry = Posix.Describe(handle);
        if (entry.Kind != Posix.Kind.Regular)
        {
            handle.Dispose();
            throw NotRegular(path, entry.Kind == Posix.Kind.Directory ? "a directory" : "a FIFO, socket or device");
        }

        return handle;
    }

    private static GadugiException NotRegular(string path, string what) =>
        new(Diagnostic.Create(nameof(DiagnosticMessages.AuditLogNotRegular), path, what));
}
