using System.Globalization;
using Docker.DotNet.Models;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Core.Execution;

/// <summary>Everything about the container that is decided before it is created.</summary>
public sealed record ContainerSpecInput
{
    public required ExecutionRequest Request { get; init; }

    public required string ExecutionId { get; init; }

    public required string Owner { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>uid:gid the command runs as.</summary>
    public required string User { get; init; }

    /// <summary>Engine network mode: "none", "bridge" or the name of a per-execution network.</summary>
    public string NetworkMode { get; init; } = "none";

    public IEnginePathMapper PathMapper { get; init; } = IdentityPathMapper.Instance;

    /// <summary>Seccomp profile JSON; null keeps the engine's default profile.</summary>
    public string? SeccompProfileJson { get; init; }
}

/// <summary>
/// Turns a policy and request into the engine's container definition. Hardening here is fixed:
/// no policy value can remove a line of it.
/// </summary>
public static class ContainerSpecBuilder
{
    public const string SandboxUser = "10001:10001";
    public const long ShmSizeBytes = 64L * 1024 * 1024;

    /// <summary>Extra life the idle keeper process gets past the timeout, so a container whose owner died still ends.</summary>
    public static readonly TimeSpan KeeperGrace = TimeSpan.FromMinutes(2);

    public static CreateContainerParameters Build(ContainerSpecInput input)
    {
        var policy = input.Request.Policy;
        var keeperSeconds = (long)Math.Ceiling((policy.Timeout + KeeperGrace).TotalSeconds);
        var deadline = input.StartedAt + policy.Timeout + KeeperGrace;

        return new CreateContainerParameters
        {
            Name = "gadugi-" + input.ExecutionId,
            Image = policy.Image,
            Hostname = "sandbox",
            User = input.User,
            WorkingDir = "/workspace",
            // The command runs through exec; the container's own process only keeps it alive, and ends
            // by itself after the deadline so an orphaned container removes itself (AutoRemove).
            Entrypoint = ["sleep"],
            Cmd = [keeperSeconds.ToString(CultureInfo.InvariantCulture)],
            Env = [],
            AttachStdin = false,
            AttachStdout = false,
            AttachStderr = false,
            Tty = false,
            OpenStdin = false,
            NetworkDisabled = input.NetworkMode == "none",
            Labels = new Dictionary<string, string>
            {
                [ContainerLabels.Managed] = "true",
                [ContainerLabels.Owner] = input.Owner,
                [ContainerLabels.Started] = input.StartedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
                [ContainerLabels.Deadline] = deadline.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
                [ContainerLabels.Execution] = input.ExecutionId,
                [ContainerLabels.Policy] = policy.Name,
            },
            HostConfig = BuildHostConfig(input),
        };
    }

    private static HostConfig BuildHostConfig(ContainerSpecInput input)
    {
        var request = input.Request;
        var policy = request.Policy;
        // /tmp is shared scratch (sticky, world-writable); every other tmpfs belongs to the command's
        // user, because the engine copies the image directory's mode onto the mount.
        var (uid, gid) = SplitUser(input.User);
        var sharedOptions = $"rw,nosuid,nodev,exec,size={policy.DiskBytes},mode=1777";
        var ownedOptions = $"rw,nosuid,nodev,exec,size={policy.DiskBytes},mode=0755,uid={uid},gid={gid}";
        var tmpfs = policy.Tmpfs.ToDictionary(path => path, path => path == "/tmp" ? sharedOptions : ownedOptions, StringComparer.Ordinal);
        tmpfs["/output"] = ownedOptions;

        var securityOptions = new List<string> { "no-new-privileges:true" };
        if (input.SeccompProfileJson is not null)
        {
            securityOptions.Add("seccomp=" + input.SeccompProfileJson);
        }

        return new HostConfig
        {
            AutoRemove = true,
            Init = true,
            ReadonlyRootfs = true,
            Privileged = false,
            CapDrop = ["ALL"],
            CapAdd = [],
            SecurityOpt = securityOptions,
            Memory = policy.MemoryBytes,
            MemorySwap = policy.MemoryBytes,
            NanoCPUs = (long)(policy.Cpus * 1_000_000_000m),
            PidsLimit = policy.PidsLimit,
            OomScoreAdj = 500,
            Ulimits =
            [
                new Ulimit { Name = "nofile", Soft = policy.OpenFiles, Hard = policy.OpenFiles },
                new Ulimit { Name = "core", Soft = 0, Hard = 0 },
            ],
            Tmpfs = tmpfs,
            ShmSize = Math.Min(ShmSizeBytes, policy.MemoryBytes / 2),
            IpcMode = "private",
            PidMode = string.Empty,
            UTSMode = string.Empty,
            UsernsMode = string.Empty,
            CgroupnsMode = "private",
            NetworkMode = input.NetworkMode,
            Runtime = policy.Runtime == SandboxRuntime.Gvisor ? "runsc" : "runc",
            LogConfig = new LogConfig { Type = "none" },
            RestartPolicy = new RestartPolicy { Name = RestartPolicyKind.No },
            Mounts = BuildMounts(request, input.PathMapper),
        };
    }

    private static (string Uid, string Gid) SplitUser(string user)
    {
        var parts = user.Split(':');
        return (parts[0], parts.Length > 1 ? parts[1] : parts[0]);
    }

    private static List<Mount> BuildMounts(ExecutionRequest request, IEnginePathMapper paths)
    {
        var mounts = new List<Mount>
        {
            Bind(paths.ToEnginePath(request.WorkingDirectory), "/workspace", readOnly: request.Policy.Workspace == WorkspaceAccess.ReadOnly),
        };
        if (request.InputDirectory is not null)
        {
            mounts.Add(Bind(paths.ToEnginePath(request.InputDirectory), "/input", readOnly: true));
        }

        return mounts;
    }

    private static Mount Bind(string source, string target, bool readOnly) => new()
    {
        Type = "bind",
        Source = source,
        Target = target,
        ReadOnly = readOnly,
        BindOptions = new BindOptions { Propagation = "rprivate" },
    };
}
