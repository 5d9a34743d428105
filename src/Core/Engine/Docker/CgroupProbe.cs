using System.Globalization;
using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Gadugi.BuildExec.Core.Engine.Docker;

/// <summary>
/// Reads peak memory, CPU time and pids-limit hits from the sandbox's cgroup files through the
/// engine's exec API, for an executor that cannot see the host's cgroups (it runs in a container). The files are the kernel's own (cgroupfs is read-only in the
/// sandbox), and reading them takes one short exec, where the engine's stats endpoint waits for its
/// next once-a-second collection.
/// </summary>
internal static class CgroupProbe
{
    // cgroup v1 (per-controller folders) and v2 (unified); whichever exists is printed with markers.
    // Absolute paths: a policy tmpfs on PATH (say /usr/local/bin) must not let the command plant a 'cat'.
    private const string Script = """
        cd /sys/fs/cgroup || exit 3
        for f in memory/memory.max_usage_in_bytes cpuacct/cpuacct.usage memory/memory.oom_control \
                 pids/pids.events pids/pids.current pids/pids.max \
                 memory.peak memory.current cpu.stat memory.events pids.events pids.current pids.max; do
          [ -r "$f" ] && { echo "== $f"; /bin/cat "$f"; }
        done
        exit 0
        """;

    public static async Task<UsageSnapshot?> ReadAsync(IDockerClient docker, string containerId, string user, CancellationToken cancellationToken)
    {
        var exec = await docker.Exec.CreateContainerExecAsync(
            containerId,
            new ContainerExecCreateParameters { Cmd = ["/bin/sh", "-c", Script], User = user, Env = ["PATH=/usr/bin:/bin"], AttachStdout = true, AttachStderr = true },
            cancellationToken).ConfigureAwait(false);
        using var stream = await docker.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters(), cancellationToken).ConfigureAwait(false);
        var (stdout, _) = await stream.ReadOutputToEndAsync(cancellationToken).ConfigureAwait(false);
        var inspect = await docker.Exec.InspectContainerExecAsync(exec.ID, cancellationToken).ConfigureAwait(false);
        return inspect.ExitCode == 0 ? Parse(stdout) : null;
    }

    /// <summary>Parses the marked file dump; null when nothing usable was printed.</summary>
    internal static UsageSnapshot? Parse(string dump)
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
        if (peak is null && cpu is null)
        {
            return null;
        }

        var pidsHits = Field(files, "pids/pids.events", "max") ?? Field(files, "pids.events", "max");
        var pidsCurrent = Number(files, "pids/pids.current") ?? Number(files, "pids.current");
        var pidsMax = Number(files, "pids/pids.max") ?? Number(files, "pids.max");
        var oomKills = Field(files, "memory/memory.oom_control", "oom_kill") ?? Field(files, "memory.events", "oom_kill");
        return new UsageSnapshot(new ResourceUsage(peak, cpu, exact), pidsHits, (ulong?)pidsCurrent, (ulong?)pidsMax) { OomKills = oomKills };
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
