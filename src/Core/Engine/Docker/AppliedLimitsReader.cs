using Docker.DotNet.Models;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Core.Engine.Docker;

/// <summary>Builds <see cref="AppliedLimits"/> from the engine's own view of the container.</summary>
internal static class AppliedLimitsReader
{
    /// <summary>The limits from <paramref name="inspect"/>, with <paramref name="commandUser"/>: the command runs through an exec, whose user the inspection does not show.</summary>
    public static AppliedLimits FromInspect(ContainerInspectResponse inspect, SandboxPolicy policy, string commandUser)
    {
        var host = inspect.HostConfig ?? new HostConfig();
        return new AppliedLimits
        {
            MemoryBytes = host.Memory,
            MemorySwapBytes = host.MemorySwap,
            Cpus = host.NanoCPUs / 1_000_000_000m,
            PidsLimit = host.PidsLimit,
            ReadOnlyRootfs = host.ReadonlyRootfs,
            Tmpfs = host.Tmpfs is null ? new Dictionary<string, string>() : new Dictionary<string, string>(host.Tmpfs, StringComparer.Ordinal),
            NetworkMode = host.NetworkMode ?? string.Empty,
            CapDrop = host.CapDrop?.ToArray() ?? [],
            CapAdd = host.CapAdd?.ToArray() ?? [],
            SecurityOpt = host.SecurityOpt?.Select(Summarize).ToArray() ?? [],
            User = commandUser,
            KeeperUser = inspect.Config?.User ?? string.Empty,
            IpcMode = host.IpcMode ?? string.Empty,
            PidMode = host.PidMode ?? string.Empty,
            ShmSizeBytes = host.ShmSize,
            Privileged = host.Privileged,
            Runtime = host.Runtime ?? string.Empty,
            OpenFiles = host.Ulimits?.FirstOrDefault(u => u.Name == "nofile")?.Hard,
            LogDriver = host.LogConfig?.Type ?? string.Empty,
            Mounts = inspect.Mounts?.Select(m => $"{m.Type}:{m.Source}->{m.Destination}{(m.RW ? string.Empty : " (ro)")}").ToArray() ?? [],
            Timeout = policy.Timeout,
            OutputLimitBytes = policy.OutputLimitBytes,
        };
    }

    /// <summary>A seccomp option carries the whole profile; record its size and hash instead.</summary>
    private static string Summarize(string option)
    {
        if (!option.StartsWith("seccomp=", StringComparison.Ordinal) || option.Length < 200)
        {
            return option;
        }

        var profile = option["seccomp=".Length..];
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(profile)));
        return $"seccomp=profile(sha256:{hash[..16]}, {profile.Length} bytes)";
    }
}
