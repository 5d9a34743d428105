using Microsoft.Win32.SafeHandles;

namespace Gadugi.BuildExec.Core.FileSystem;

/// <summary>
/// Opens a directory the way a hostile sandbox cannot redirect: component by component from '/',
/// each through the handle of the one before, never following a symbolic link inside the
/// <c>boundary</c> (the workspace a sandbox may have written) or at the directory itself. A link
/// further up is followed only when root owns it (system links such as /var/run); any other link is
/// one a sandbox or another user could have planted. A component swapped for a link while the walk
/// holds its parent fails the open (ELOOP), so the check and the use are one step.
/// </summary>
internal static class LinkFreePath
{
    private const int MaxLinks = 40;

    public sealed record Refusal(string Path, string Reason);

    /// <summary>Walks the existing components of <paramref name="path"/>; the first problem, or null.</summary>
    public static Refusal? Check(string path, string? boundary)
    {
        var (handle, refusal) = Walk(path, boundary, create: false);
        handle?.Dispose();
        return refusal;
    }

    /// <summary>Opens <paramref name="path"/> as a directory handle, creating missing components (0755).</summary>
    public static (SafeFileHandle? Handle, Refusal? Refusal) OpenOrCreate(string path, string? boundary) =>
        Walk(path, boundary, create: true);

    private static (SafeFileHandle?, Refusal?) Walk(string path, string? boundary, bool create)
    {
        var pending = new Queue<string>(Split(path));
        var followed = 0;
        var real = "/";
        var current = Posix.OpenDirectory("/");
        try
        {
            while (pending.TryDequeue(out var part))
            {
                var component = Join(real, part);
                var isLast = pending.Count == 0;
                var entry = Posix.Describe(current, part);
                if (entry.Kind == Posix.Kind.Missing)
                {
                    if (!create)
                    {
                        return (null, null);
                    }

                    Posix.MakeDirectory(current, part, (UnixFileMode)0x1ED);
                    entry = Posix.Describe(current, part);
                }

                if (entry.Kind == Posix.Kind.SymbolicLink)
                {
                    var target = Posix.ReadLink(current, part);
                    if (isLast || entry.Uid != 0 || IsWithin(component, boundary))
                    {
                        return (null, new Refusal(component, $"'{component}' is a symbolic link (to '{target}')"));
                    }

                    if (++followed > MaxLinks)
                    {
                        return (null, new Refusal(component, "too many levels of symbolic links"));
                    }

                    // Restart from the top with the link's target spliced in: it is walked like any path.
                    var rest = pending.ToArray();
                    pending = new Queue<string>([.. Split(target.StartsWith('/') ? target : Join(real, target)), .. rest]);
                    current.Dispose();
                    current = Posix.OpenDirectory("/");
                    real = "/";
                    continue;
                }

                if (entry.Kind != Posix.Kind.Directory)
                {
                    return (null, new Refusal(component, $"'{component}' is not a directory"));
                }

                SafeFileHandle next;
                try
                {
                    next = Posix.OpenChildDirectory(current, part);
                }
                catch (PosixException ex) when (ex.Errno is Posix.ELOOP or Posix.ENOTDIR)
                {
                    return (null, new Refusal(component, $"'{component}' was replaced by a symbolic link or a file while it was opened"));
                }

                current.Dispose();
                current = next;
                real = component;
            }

            var opened = current;
            current = null!;
            return (opened, null);
        }
        catch (PosixException ex)
        {
            return (null, new Refusal(path, ex.Message));
        }
        finally
        {
            current?.Dispose();
        }
    }

    private static bool IsWithin(string path, string? boundary) =>
        boundary is not null && (path == boundary || path.StartsWith(boundary.TrimEnd('/') + "/", StringComparison.Ordinal));

    /// <summary>Lexical components of an absolute path, with "." and ".." resolved as text.</summary>
    private static string[] Split(string path) =>
        Path.GetFullPath(path).Split('/', StringSplitOptions.RemoveEmptyEntries);

    private static string Join(string directory, string name) => directory == "/" ? "/" + name : directory + "/" + name;
}
