namespace Gadugi.BuildExec.Core.Policies;

/// <summary>
/// Where a policy's extra tmpfs may go. Not on, under or above a path the sandbox's safety rests on:
/// the kernel's /proc, /sys (the cgroup files the executor reads usage from) and /dev, the mounts the
/// executor makes (/workspace, /input, /output), and the image's system directories, whose binaries
/// and libraries the executor's own helpers run (/etc, /usr, /bin, /sbin, /lib*). A writable tmpfs
/// at /sys/fs/cgroup would let the command forge the peak memory and pids events read from inside,
/// one over /usr/lib its own libc for every later exec. Paths are compared after normalising
/// "//", "." and a trailing "/", as the engine does; ".." is refused outright.
/// </summary>
internal static class TmpfsPaths
{
    public static readonly IReadOnlyList<string> Reserved =
        ["/proc", "/sys", "/dev", "/workspace", "/input", "/output", "/etc", "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

    public const string Allowed = "an absolute path without '..', ':', ',' or spaces, not on, under or above /proc, /sys, /dev, /workspace, /input, /output, /etc, /usr, /bin, /sbin or /lib*";

    /// <summary>The normalised path ("/var//cache/" → "/var/cache"), or null with the reason it is refused.</summary>
    public static (string? Path, string? Refusal) Normalize(string path)
    {
        if (!path.StartsWith('/') || path.Any(c => c is ':' or ',' || char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            return (null, "not an absolute path free of ':', ',' and spaces");
        }

        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(part => part != ".").ToArray();
        if (parts.Contains(".."))
        {
            return (null, "a path with '..'");
        }

        var normalized = "/" + string.Join('/', parts);
        if (normalized == "/")
        {
            return (null, "the root file system, which is always read-only");
        }

        foreach (var reserved in Reserved)
        {
            if (normalized == reserved || normalized.StartsWith(reserved + "/", StringComparison.Ordinal))
            {
                return (null, $"on or under {reserved}, which the sandbox's isolation relies on");
            }
        }

        return (normalized, null);
    }
}
