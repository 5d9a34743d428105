using System.Globalization;

namespace Gadugi.BuildExec.Core.Engine;

/// <summary>
/// Names the process that owns a container: boot id, PID namespace, pid and process start time.
/// Only a process in the same boot and PID namespace can judge whether that owner is still alive;
/// others rely on the container's deadline.
/// </summary>
internal sealed record OwnerIdentity(string BootId, string PidNamespace, int Pid, long StartTicks)
{
    private static readonly Lazy<OwnerIdentity> CurrentIdentity = new(ReadCurrent);

    public static OwnerIdentity Current => CurrentIdentity.Value;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{BootId}/{PidNamespace}/{Pid}/{StartTicks}");

    public static OwnerIdentity? Parse(string? text)
    {
        var parts = text?.Split('/');
        if (parts is not { Length: 4 }
            || !int.TryParse(parts[2], CultureInfo.InvariantCulture, out var pid)
            || !long.TryParse(parts[3], CultureInfo.InvariantCulture, out var ticks))
        {
            return null;
        }

        return new OwnerIdentity(parts[0], parts[1], pid, ticks);
    }

    /// <summary>True or false when this process can tell; null when the owner lives elsewhere.</summary>
    public bool? IsAliveAsSeenFrom(OwnerIdentity observer)
    {
        if (BootId != observer.BootId || PidNamespace != observer.PidNamespace)
        {
            return null;
        }

        return ReadStartTicks(Pid) == StartTicks;
    }

    private static OwnerIdentity ReadCurrent()
    {
        var pid = Environment.ProcessId;
        var bootId = TryRead("/proc/sys/kernel/random/boot_id")?.Trim() ?? "unknown-boot";
        var pidNamespace = TryReadLink("/proc/self/ns/pid") ?? "unknown-ns";
        return new OwnerIdentity(bootId, pidNamespace.Replace("/", "_", StringComparison.Ordinal), pid, ReadStartTicks(pid) ?? 0);
    }

    /// <summary>Field 22 of /proc/PID/stat: start time in clock ticks since boot; null when the process is gone or a zombie.</summary>
    private static long? ReadStartTicks(int pid)
    {
        var stat = TryRead($"/proc/{pid}/stat");
        if (stat is null)
        {
            return null;
        }

        // The command name (field 2) may contain spaces and parentheses; fields after it are plain.
        // A zombie (state Z, or X while it goes) is dead: only its entry waits for its parent to reap it.
        var afterName = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        if (afterName[0] is "Z" or "X")
        {
            return null;
        }

        return long.TryParse(afterName[19], CultureInfo.InvariantCulture, out var ticks) ? ticks : null;
    }

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? TryReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
