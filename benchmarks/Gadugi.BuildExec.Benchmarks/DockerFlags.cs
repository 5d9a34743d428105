using System.Globalization;
using Docker.DotNet.Models;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Policies;

using Gadugi.BuildExec.Core.Engine.Docker;

using Gadugi.BuildExec.Core.Execution.Confinement;

namespace Gadugi.BuildExec.Benchmarks;

/// <summary>
/// The container the executor would create, spelled as `docker run` flags: derived from the
/// executor's own <see cref="ContainerSpecBuilder"/>, so the baseline cannot drift from it.
/// </summary>
internal static class DockerFlags
{
    public static async Task<List<string>> ForPolicyAsync(SandboxPolicy policy, string workspace, string seccompFile)
    {
        var seccomp = await SeccompProfiles.LoadAsync(policy, CancellationToken.None);
        await File.WriteAllTextAsync(seccompFile, seccomp);
        var spec = ContainerSpecBuilder.Build(new ContainerSpecInput
        {
            Request = new ExecutionRequest { Command = ["true"], Policy = policy, WorkingDirectory = workspace },
            ExecutionId = "benchmark",
            Owner = OwnerIdentity.Current.ToString(),
            StartedAt = DateTimeOffset.UtcNow,
            User = ContainerSpecBuilder.SandboxUser,
            NetworkMode = "none",
            SeccompProfileJson = seccomp,
        });
        return From(spec, seccompFile);
    }

    private static List<string> From(CreateContainerParameters spec, string seccompFile)
    {
        var host = spec.HostConfig ?? throw new InvalidOperationException("the executor's spec has no host configuration");
        var flags = new List<string> { "--user", spec.User, "-w", spec.WorkingDir, "--hostname", spec.Hostname };
        Add(flags, host.ReadonlyRootfs, "--read-only");
        Add(flags, host.Init == true, "--init");
        Add(flags, host.Privileged, "--privileged");
        flags.AddRange((host.CapDrop ?? []).SelectMany(cap => new[] { "--cap-drop", cap }));
        flags.AddRange((host.CapAdd ?? []).SelectMany(cap => new[] { "--cap-add", cap }));
        foreach (var option in host.SecurityOpt ?? [])
        {
            // The engine API takes the profile inline; the CLI takes a file.
            flags.AddRange(["--security-opt", option.StartsWith("seccomp=", StringComparison.Ordinal) ? "seccomp=" + seccompFile : option]);
        }

        flags.AddRange(["--memory", Invariant(host.Memory), "--memory-swap", Invariant(host.MemorySwap)]);
        flags.AddRange(["--cpus", (host.NanoCPUs / 1_000_000_000m).ToString(CultureInfo.InvariantCulture)]);
        flags.AddRange(["--pids-limit", Invariant(host.PidsLimit ?? 0), "--oom-score-adj", Invariant(host.OomScoreAdj)]);
        flags.AddRange((host.Ulimits ?? []).SelectMany(u => new[] { "--ulimit", $"{u.Name}={u.Soft}:{u.Hard}" }));
        flags.AddRange((host.Tmpfs ?? new Dictionary<string, string>()).SelectMany(t => new[] { "--tmpfs", $"{t.Key}:{t.Value}" }));
        flags.AddRange((host.Sysctls ?? new Dictionary<string, string>()).SelectMany(s => new[] { "--sysctl", $"{s.Key}={s.Value}" }));
        flags.AddRange(["--shm-size", Invariant(host.ShmSize), "--ipc", host.IpcMode, "--network", host.NetworkMode]);
        if (!string.IsNullOrEmpty(host.CgroupnsMode))
        {
            flags.AddRange(["--cgroupns", host.CgroupnsMode]);
        }

        flags.AddRange(["--runtime", host.Runtime ?? "runc", "--log-driver", host.LogConfig?.Type ?? "none"]);
        foreach (var mount in host.Mounts ?? [])
        {
            var readOnly = mount.ReadOnly == true ? ",readonly" : string.Empty;
            var propagation = mount.BindOptions?.Propagation is { } p ? ",bind-propagation=" + p : string.Empty;
            flags.AddRange(["--mount", $"type={mount.Type},src={mount.Source},dst={mount.Target}{readOnly}{propagation}"]);
        }

        return flags;
    }

    private static void Add(List<string> flags, bool condition, string flag)
    {
        if (condition)
        {
            flags.Add(flag);
        }
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
