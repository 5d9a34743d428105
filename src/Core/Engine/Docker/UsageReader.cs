using Docker.DotNet;
using Docker.DotNet.Models;

namespace Gadugi.BuildExec.Core.Engine.Docker;

/// <summary>
/// Reads peak memory and CPU time while the container's cgroup still exists, from the quickest
/// source that answers: the host's cgroup files (this process runs on the engine's host), the
/// sandbox's own cgroup files through one exec (this process runs in a sibling container), or the
/// engine's stats, which wait for the engine's next once-a-second collection.
/// </summary>
internal static class UsageReader
{
    public static async Task<UsageSnapshot> ReadAsync(IDockerClient docker, string containerId, string user, CancellationToken cancellationToken)
    {
        if (new HostCgroup(containerId).Snapshot() is { } onHost)
        {
            return onHost;
        }

        try
        {
            if (await CgroupProbe.ReadAsync(docker, containerId, user, cancellationToken).ConfigureAwait(false) is { } inSandbox)
            {
                return inSandbox;
            }
        }
        catch (DockerApiException)
        {
            // No exec possible (pids limit full, image without a shell): ask the engine.
        }

        return await FromEngineStatsAsync(docker, containerId, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<UsageSnapshot> FromEngineStatsAsync(IDockerClient docker, string containerId, CancellationToken cancellationToken)
    {
        ContainerStatsResponse? stats = null;
        await docker.Containers.GetContainerStatsAsync(
            containerId,
            new ContainerStatsParameters { Stream = false, OneShot = true },
            new InlineProgress<ContainerStatsResponse>(response => stats = response),
            cancellationToken).ConfigureAwait(false);

        var memory = stats?.MemoryStats;
        long? peak = memory?.MaxUsage is > 0 ? (long)memory.MaxUsage.Value : null;
        var exact = peak is not null;
        peak ??= memory?.Usage is > 0 ? (long)memory.Usage.Value : null;
        var cpuNanoseconds = stats?.CPUStats?.CPUUsage?.TotalUsage;
        TimeSpan? cpu = cpuNanoseconds is > 0 ? TimeSpan.FromTicks((long)(cpuNanoseconds.Value / 100)) : null;
        var pids = stats?.PidsStats;
        return new UsageSnapshot(new ResourceUsage(peak, cpu, exact), null, pids?.Current, pids?.Limit);
    }
}

/// <summary>An IProgress that calls back on the reporting thread (Progress&lt;T&gt; would post to the thread pool).</summary>
internal sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
