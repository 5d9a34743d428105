using System.Globalization;
using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Gadugi.BuildExec.Core.Execution;

/// <summary>What the container's own cgroup says about the execution, read just before removal.</summary>
public sealed record CgroupReading(long? PeakMemoryBytes, TimeSpan? CpuTime, long OomKills, long PidsLimitHits, bool PeakIsExact)
{
    public ResourceUsage Usage => new(PeakMemoryBytes, CpuTime, PeakIsExact);
}

/// <summary>
/// Reads peak memory, CPU time, OOM kills and pids-limit hits from the sandbox's cgroup files
/// through the engine's exec API. The files are the kernel's own (cgroupfs is read-only in the
/// sandbox), and reading them takes one short exec, where the engine's stats endpoint waits for its
/// next once-a-second collection.
/// </summary>
internal static class CgroupProbe
{
    // cgroup v1 (per-controller folders) and v2 (unified); whichever exists is printed with markers.
    private const string Script = """
        cd /sys/fs/cgroup || exit 3
        for f in memory/memory.max_usage_in_bytes cpuacct/cpuacct.usage memory/memory.oom_control pids/pids.events \
                 memory.peak memory.current cpu.stat memory.events pids.events; do
          [ -r "$f" ] && { echo "== $f"; cat "$f"; }
        done
        exit 0
        """;

    public static async Task<CgroupReading?> ReadAsync(IDockerClient docker, string containerId, string user, CancellationToken cancellationToken)
    {
        var exec = await docker.Exec.CreateContainerExecAsync(
            containerId,
            new ContainerExecCreateParameters { Cmd = ["sh", "-c", Script], User = user, AttachStdout = true, AttachStderr = true },
            cancellationToken).ConfigureAwait(false);
        using var stream = await docker.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters(), cancellationToken).ConfigureAwait(false);
        var (stdout, _) = await stream.ReadOutputToEndAsync(cancellationToken).ConfigureAwait(false);
        var inspect = await docker.Exec.InspectContainerExecAsync(exec.ID, cancellationToken).ConfigureAwait(false);
        return inspect.ExitCode == 0 ? Parse(stdout) : null;
    }

    /// <summary>Parses the marked file dump; null when nothing usable was printed.</summary>
    internal static CgroupReading? Parse(string dump)
    {
        var files = SplitFiles(dump);
        if (files.Count == 0)
        {
            return null;
        }

        long? peak = Number(files, "memory/memory.max_usage_in_bytes") ?? Number(files, "memory.peak");
        var exact = peak is not null;
        peak ??= Number(files, "memory.current");
        TimeSpan? cpu = Number(files, "cpuacct/cpuacct.usage") is { } nanoseconds
            ? TimeSpan.FromTicks(nanoseconds / 100)
            : Field(files, "cpu.stat", "usage_usec") is { } microseconds ? TimeSpan.FromTicks(microseconds * 10) : null;
        var oomKills = Field(files, "memory/memory.oom_control", "oom_kill") ?? Field(files, "memory.events", "oom_kill") ?? 0;
        var pidsHits = Field(files, "pids/pids.events", "max") ?? Field(files, "pids.events", "max") ?? 0;
        return new CgroupReading(peak, cpu, oomKills, pidsHits, exact);
    }

    private static Dictionary<string, string> SplitFiles(string dump)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        string? current = null;
        var content = new StringBuilder();
        foreach (var line in dump.Split('\n'))
        {
            if (line.StartsWith("== ", StringComparison.Ordinal))
            {
                Flush();
                current = line[3..].Trim();
                continue;
            }

            content.AppendLine(line);
        }

        Flush();
        return files;

        void Flush()
        {
            if (current is not null)
            {
                files[current] = content.ToString().Trim();
            }

            content.Clear();
        }
    }

    private static long? Number(Dictionary<string, string> files, string name) =>
        files.TryGetValue(name, out var text) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>A "key value" line of a flat-keyed cgroup file.</summary>
    private static long? Field(Dictionary<string, string> files, string name, string key)
    {
        if (!files.TryGetValue(name, out var text))
        {
            return null;
        }

        foreach (var line in text.Split('\n'))
        {
            var parts = line.Trim().Split(' ');
            if (parts.Length == 2 && parts[0] == key && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }
        }

        return null;
    }
}
