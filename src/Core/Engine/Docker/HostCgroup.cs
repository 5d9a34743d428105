using System.Globalization;

namespace Gadugi.BuildExec.Core.Engine.Docker;

/// <summary>
/// Reads a container's cgroup files directly on the engine's host, when this process runs there
/// and may read them (cgroup v1 or v2, cgroupfs or systemd driver). Used where the engine's stats
/// say nothing (gVisor sandboxes report zeros) and for counters the engine does not report at all
/// (how often the pids limit refused a fork). Every read is best effort: null when unavailable.
/// </summary>
internal sealed class HostCgroup
{
    private const string Root = "/sys/fs/cgroup";
    private readonly string _containerId;

    public HostCgroup(string containerId) => _containerId = containerId;

    /// <summary>Times a fork/clone was refused at the pids limit ("max" in pids.events).</summary>
    public long? PidsLimitHits() => ReadKeyed("pids", "pids.events", "max");

    public long? PidsCurrent() => ReadNumber("pids", "pids.current");

    public long? PidsMax() => ReadNumber("pids", "pids.max");

    /// <summary>Everything at once, or null when this process cannot see the container's cgroup.</summary>
    public UsageSnapshot? Snapshot()
    {
        var v1Peak = ReadNumber("memory", "memory.max_usage_in_bytes");
        var peak = v1Peak ?? ReadNumber("memory", "memory.peak");
        var cpu = CpuTime();
        if (peak is null && cpu is null)
        {
            return null;
        }

        var current = PidsCurrent();
        var max = PidsMax();
        return new UsageSnapshot(new ResourceUsage(peak, cpu, peak is not null), PidsLimitHits(), (ulong?)current, (ulong?)max) { OomKills = OomKills() };
    }

    /// <summary>Processes the OOM killer ended: "oom_kill" in memory.oom_control (v1) or memory.events (v2).</summary>
    public long? OomKills() => ReadKeyed("memory", "memory.oom_control", "oom_kill") ?? ReadKeyed("memory", "memory.events", "oom_kill");

    /// <summary>Memory the container uses now (cgroup v1 memory.usage_in_bytes, v2 memory.current).</summary>
    public long? MemoryBytes() =>
        ReadNumber("memory", "memory.usage_in_bytes") ?? ReadNumber("memory", "memory.current");

    public long? PeakMemoryBytes() =>
        ReadNumber("memory", "memory.max_usage_in_bytes") ?? ReadNumber("memory", "memory.peak");

    public TimeSpan? CpuTime()
    {
        if (ReadNumber("cpuacct", "cpuacct.usage") is { } nanoseconds)
        {
            return TimeSpan.FromTicks(nanoseconds / 100);
        }

        return ReadKeyed("cpu", "cpu.stat", "usage_usec") is { } microseconds ? TimeSpan.FromTicks(microseconds * 10) : null;
    }

    private IEnumerable<string> Directories(string controller)
    {
        foreach (var parent in new[] { Path.Combine(Root, controller), Root })
        {
            yield return Path.Combine(parent, "docker", _containerId);
            yield return Path.Combine(parent, "system.slice", $"docker-{_containerId}.scope");
        }
    }

    private string? Read(string controller, string file)
    {
        foreach (var directory in Directories(controller))
        {
            try
            {
                var path = Path.Combine(directory, file);
                if (File.Exists(path))
                {
                    return File.ReadAllText(path);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }

        return null;
    }

    private long? ReadNumber(string controller, string file) =>
        long.TryParse(Read(controller, file)?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    private long? ReadKeyed(string controller, string file, string key)
    {
        var text = Read(controller, file);
        if (text is null)
        {
            return null;
        }

        foreach (var line in text.Split('\n'))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && parts[0] == key && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }
        }

        return null;
    }
}
