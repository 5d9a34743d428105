using System.Runtime.InteropServices;

namespace Gadugi.BuildExec.Cli.Service;

/// <summary>
/// Where this user's background service listens: a directory only this user can enter
/// (<c>$GADUGI_SERVICE_DIR</c>, else <c>$XDG_RUNTIME_DIR/gadugi-exec</c>, else <c>/tmp/gadugi-exec-UID</c>;
/// mode 0700, owned by this user, not a link) holding one socket per environment: a service runs with its
/// starter's environment (the engine endpoint, the audit log, the variables <c>--env NAME</c> copies), so
/// a caller whose environment differs gets a service of its own. The program's own build is part of the
/// name, so a new build never talks to an old service.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed partial class ServiceLocation
{
    public const string DirectoryVariable = "GADUGI_SERVICE_DIR";

    // Variables a shell changes from one command to the next, and the thin client's own: they do not change what a run does.
    private static readonly HashSet<string> Volatile = new(StringComparer.Ordinal) { "_", "PWD", "OLDPWD", "SHLVL", "COLUMNS", "LINES", ThinClient.TimeoutVariable, ThinClient.PoolVariable, ClientHandoff.Variable };

    private ServiceLocation(string directory, string name)
    {
        Directory = directory;
        SocketPath = Path.Combine(directory, name + ".sock");
        LockPath = Path.Combine(directory, name + ".lock");
        LogPath = Path.Combine(directory, name + ".log");
        PidPath = Path.Combine(directory, name + ".pid");
    }

    public string Directory { get; }

    public string SocketPath { get; }

    /// <summary>Held (flock) by the one service listening on <see cref="SocketPath"/>.</summary>
    public string LockPath { get; }

    /// <summary>The listening service's process id, while it lives.</summary>
    public string PidPath { get; }

    public string LogPath { get; }

    public static uint Uid => geteuid();

    /// <summary>This process's location; the directory is created if missing. Throws <see cref="ServiceUnsafeException"/> when it is not private.</summary>
    public static ServiceLocation ForThisProcess()
    {
        var directory = ChooseDirectory();
        EnsurePrivate(directory);
        return new ServiceLocation(directory, "exec-" + EnvironmentKey().ToString("x16", System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The service the given location would have for an explicit name (tests).</summary>
    public static ServiceLocation At(string directory, string name) => new(directory, name);

    private static string ChooseDirectory()
    {
        if (Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } explicitDirectory)
        {
            return Path.GetFullPath(explicitDirectory);
        }

        if (Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } runtime && Path.IsPathRooted(runtime) && System.IO.Directory.Exists(runtime))
        {
            return Path.Combine(runtime, "gadugi-exec");
        }

        return Path.Combine("/tmp", "gadugi-exec-" + Uid.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static void EnsurePrivate(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            try
            {
                System.IO.Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            catch (IOException)
            {
                // Made by another process meanwhile (checked below), or not makeable (reported below).
            }
        }

        var (found, isDirectory, uid, mode) = Describe(directory);
        if (!found || !isDirectory)
        {
            throw new ServiceUnsafeException(directory, found ? "it is not a directory (or it is a link)" : "it cannot be created");
        }

        if (uid != Uid)
        {
            throw new ServiceUnsafeException(directory, $"it belongs to uid {uid}, not to this user (uid {Uid})");
        }

        if ((mode & 0x3F) != 0)
        {
            throw new ServiceUnsafeException(directory, $"its mode is {Convert.ToString(mode & 0x1FF, 8)}, not 700");
        }
    }

    /// <summary>FNV-1a over the environment (less what a shell changes between commands) and this build.</summary>
    private static ulong EnvironmentKey()
    {
        var entries = new List<string>();
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            var name = (string)entry.Key;
            if (!Volatile.Contains(name))
            {
                entries.Add(name + "=" + (string?)entry.Value);
            }
        }

        entries.Sort(StringComparer.Ordinal);
        var program = Path.Combine(AppContext.BaseDirectory, "gadugi-exec.dll");
        entries.Add(program + "@" + File.GetLastWriteTimeUtc(program).Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var hash = 14695981039346656037UL;
        foreach (var text in entries)
        {
            foreach (var c in text)
            {
                hash = (hash ^ c) * 1099511628211UL;
            }

            hash = (hash ^ 0) * 1099511628211UL;
        }

        return hash;
    }

    /// <summary>The entry itself (never a link's target): whether it exists, is a directory, its owner and mode.</summary>
    internal static unsafe (bool Found, bool IsDirectory, uint Uid, int Mode) Describe(string path)
    {
        // struct statx has one layout on every architecture: stx_uid at 20, stx_mode at 28.
        var buffer = stackalloc byte[256];
        if (Statx(-100 /* AT_FDCWD */, path, 0x100 /* AT_SYMLINK_NOFOLLOW */, 0x7FF, buffer) != 0)
        {
            return (false, false, 0, 0);
        }

        var uid = *(uint*)(buffer + 20);
        int mode = *(ushort*)(buffer + 28);
        return (true, (mode & 0xF000) == 0x4000, uid, mode);
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint geteuid();

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int Statx(int directoryFd, string path, int flags, uint mask, byte* buffer);
}

/// <summary>The service's directory is not private to this user: the client runs directly instead (GBX7003).</summary>
internal sealed class ServiceUnsafeException(string directory, string reason) : Exception($"'{directory}': {reason}")
{
    public string DirectoryPath { get; } = directory;

    public string Reason { get; } = reason;
}
