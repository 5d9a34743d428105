using Docker.DotNet;
using Docker.DotNet.Models;

namespace Gadugi.BuildExec.Core.Execution;

/// <summary>Reads peak memory and CPU time from the engine while the container's cgroup still exists.</summary>
internal static class UsageReader
{
    public static async Task<ResourceUsage> ReadAsync(IDockerClient docker, string containerId, CancellationToken cancellationToken)
    {
        ContainerStatsResponse? stats = null;
        await docker.Containers.GetContainerStatsAsync(
            containerId,
            new ContainerStatsParameters { Stream = false, OneShot = true },
            new InlineProgress<ContainerStatsResponse>(response => stats = response),
            cancellationToken).ConfigureAwait(false);
        if (stats is null)
        {
            return ResourceUsage.Unknown;
        }

        var memory = stats.MemoryStats;
        long? peak = memory?.MaxUsage is > 0 ? (long)memory.MaxUsage.Value : memory?.Usage is > 0 ? (long)memory.Usage.Value : null;
        var exact = memory?.MaxUsage is > 0;
        var cpuNanoseconds = stats.CPUStats?.CPUUsage?.TotalUsage;
        TimeSpan? cpu = cpuNanoseconds is > 0 ? TimeSpan.FromTicks((long)(cpuNanoseconds.Value / 100)) : null;
        return new ResourceUsage(peak, cpu, exact);
    }
}

/// <summary>An IProgress that calls back on the reporting thread (Progress&lt;T&gt; would post to the thread pool).</summary>
internal sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
