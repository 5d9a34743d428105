using System.Diagnostics;
using Docker.DotNet.Models;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Core.Network;
using Gadugi.BuildExec.Core.Engine.Docker;

namespace Gadugi.BuildExec.Benchmarks.Soak;

/// <summary>What the soak's executions left behind: sandboxes, networks, firewall chains, temporary files.</summary>
internal sealed record SoakLeftovers(IReadOnlyList<string> Containers, IReadOnlyList<string> Networks, IReadOnlyList<string> FirewallChains, IReadOnlyList<string> TempFiles)
{
    public int Count => Containers.Count + Networks.Count + FirewallChains.Count + TempFiles.Count;

    /// <summary>
    /// Everything of the soak's executions (their ids, and sandboxes labelled with the soak's audit
    /// log) on the engine and in the host firewall, and every entry of the soak's own temporary folder.
    /// </summary>
    public static async Task<SoakLeftovers> FindAsync(Uri endpoint, string auditLog, IReadOnlySet<string> executionIds, string tempDirectory)
    {
        using var engine = await EngineConnection.ConnectAsync(endpoint);
        var containers = await engine.Client.Containers.ListContainersAsync(new ContainersListParameters { All = true });
        var ours = containers
            .Where(c => c.Labels is { } labels
                && ((labels.TryGetValue(ContainerLabels.AuditLog, out var log) && log == auditLog)
                    || (labels.TryGetValue(ContainerLabels.Execution, out var id) && executionIds.Contains(id))))
            .Select(c => $"container {c.ID[..12]} ({c.State})")
            .ToArray();
        var networks = (await engine.Client.Networks.ListNetworksAsync(new NetworksListParameters()))
            .Where(n => n.Labels is { } labels && labels.TryGetValue(ContainerLabels.Execution, out var id) && executionIds.Contains(id))
            .Select(n => "network " + n.Name)
            .ToArray();
        var chains = (await FirewallChainsAsync())
            .Where(chain => FirewallRules.ExecutionIdOf(chain) is { } id && executionIds.Contains(id))
            .Select(chain => "chain " + chain)
            .ToArray();
        var temp = Directory.Exists(tempDirectory)
            ? Directory.EnumerateFileSystemEntries(tempDirectory).Select(entry => "temp " + Path.GetFileName(entry)).ToArray()
            : [];
        return new SoakLeftovers(ours, networks, chains, temp);
    }

    private static async Task<IReadOnlyList<string>> FirewallChainsAsync()
    {
        var startInfo = new ProcessStartInfo("iptables", ["-w", "-S"]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(startInfo)!;
        var rules = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return rules.Split('\n').Where(line => line.StartsWith("-N ", StringComparison.Ordinal)).Select(line => line[3..].Trim()).ToArray();
    }
}
