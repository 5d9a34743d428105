using System.Globalization;
using Docker.DotNet.Models;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Core.Engine.Docker;

/// <summary>
/// Turns a policy and request into the engine's container definition. Hardening here is fixed:
/// no policy value can remove a line of it.
/// </summary>
internal static class ContainerSpecBuilder
{
    public const string SandboxUser = ContainerSpecInput.SandboxUser;
    public const long ShmSizeBytes = 64L * 1024 * 1024;

    /// <summary>Extra life the idle keeper process gets past the timeout, so a container whose owner died still ends.</summary>
    public static readonly TimeSpan KeeperGrace = ContainerSpecInput.KeeperGrace;

    /// <summary>
    /// Host processes a gVisor sandbox needs besides its tasks (Sentry, gofer and their threads), and
    /// per task (each address space is a host stub process with threads under the ptrace platform).
    /// Under gVisor the policy's pids limit is enforced inside the sandbox (RLIMIT_NPROC, which
    /// gVisor's kernel applies to its own tasks); the host limit only bounds the sandbox as a whole.
    /// </summary>
    public const long GvisorHostPidsBase = 64;

    public const long GvisorHostPidsPerTask = 8;

    public static bool IsGvisor(string runtime) => runtime.StartsWith("runsc", StringComparison.Ordinal);

    public static CreateContainerParameters Build(ContainerSpecInput input)
    {
        var policy = input.Request.Policy;
        var keeperSeconds = (long)Math.Ceiling((input.Reserve + policy.Timeout + KeeperGrace).TotalSeconds);
        var deadline = input.StartedAt + input.Reserve + policy.Timeout + KeeperGrace;

        return new CreateContainerParameters
        {
            Name = "gadugi-" + input.ExecutionId,
            Image = policy.Image,
            Hostname = "sandbox",
            // The command runs through exec as input.User (in /workspace); the container's own process
            // only keeps it alive, as another uid the command cannot signal, and ends by itself after
            // the deadline so an orphaned container removes itself (AutoRemove). It starts in "/": a
            // writable workspace may be the caller's private folder, closed to the keeper's uid.
            User = input.KeeperUser,
            WorkingDir = "/",
            Entrypoint = ["sleep"],
            Cmd = [keeperSeconds.ToString(CultureInfo.InvariantCulture)],
            Env = [],
            AttachStdin = false,
            AttachStdout = false,
            AttachStderr = false,
            Tty = false,
            OpenStdin = false,
            NetworkDisabled = input.NetworkMode == "none",
            Labels = Labels(input, deadline),
            HostConfig = BuildHostConfig(input),
        };
    }

    private static Dictionary<string, string> Labels(ContainerSpecInput input, DateTimeOffset deadline)
    {
        var labels = new Dictionary<string, string>
        {
            [ContainerLabels.Managed] = "true",
            [ContainerLabels.Owner] = input.Owner,
            [ContainerLabels.Started] = input.StartedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            [ContainerLabels.Deadline] = deadline.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            [ContainerLabels.Execution] = input.ExecutionId,
            [ContainerLabels.Policy] = input.Request.Policy.Name,
        };
        if (input.AuditLog is not null)
        {
            labels[ContainerLabels.AuditLog] = input.AuditLog;
        }

        return labels;
    }

    private static HostConfig BuildHostConfig(ContainerSpecInput input)
    {
        var request = input.Request;
        var policy = request.Policy;
        // /tmp is shared scratch (sticky, world-writable); every other tmpfs belongs to the command's
        // user, because the engine copies the image directory's mode onto the mount.
        var (uid, gid) = SplitUser(input.User);
        var inodes = InodeLimit(policy.DiskBytes);
        var sharedOptions = $"rw,nosuid,nodev,exec,size={policy.DiskBytes},nr_inodes={inodes},mode=1777";
        var ownedOptions = $"rw,nosuid,nodev,exec,size={policy.DiskBytes},nr_inodes={inodes},mode=0755,uid={uid},gid={gid}";
        var tmpfs = policy.Tmpfs.ToDictionary(path => path, path => path == "/tmp" ? sharedOptions : ownedOptions, StringComparer.Ordinal);
        tmpfs["/output"] = ownedOptions;

        var securityOptions = new List<string> { "no-new-privileges:true" };
        if (input.SeccompProfileJson is not null)
        {
            securityOptions.Add("seccomp=" + input.SeccompProfileJson);
        }

        var runtime = input.Runtime ?? (policy.Runtime == SandboxRuntime.Gvisor ? "runsc" : "runc");
        var gvisor = IsGvisor(runtime);
        var ulimits = new List<Ulimit>
        {
            new() { Name = "nofile", Soft = policy.OpenFiles, Hard = policy.OpenFiles },
            new() { Name = "core", Soft = 0, Hard = 0 },
        };
        if (gvisor)
        {
            // Under runc RLIMIT_NPROC would count every process of uid 10001 on the host, across
            // sandboxes; under gVisor it counts only this sandbox's tasks.
            ulimits.Add(new Ulimit { Name = "nproc", Soft = policy.PidsLimit, Hard = policy.PidsLimit });
        }

        Dictionary<string, string>? sysctls = null;
        if (!gvisor && input.NetworkMode != "none")
        {
            // The engine's networks are IPv4; IPv6 link-local would bypass IPv4 firewall rules.
            sysctls = new Dictionary<string, string>
            {
                ["net.ipv6.conf.all.disable_ipv6"] = "1",
                ["net.ipv6.conf.default.disable_ipv6"] = "1",
            };
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
            PidsLimit = gvisor ? GvisorHostPidsBase + (policy.PidsLimit * GvisorHostPidsPerTask) : policy.PidsLimit,
            OomScoreAdj = 500,
            Ulimits = ulimits,
            Sysctls = sysctls!,
            ExtraHosts = input.ExtraHosts.Count == 0 ? null! : input.ExtraHosts.ToList(),
            DNS = input.Dns.Count == 0 ? null! : input.Dns.ToList(),
            Tmpfs = tmpfs,
            ShmSize = Math.Min(ShmSizeBytes, policy.MemoryBytes / 2),
            IpcMode = "private",
            PidMode = string.Empty,
            UTSMode = string.Empty,
            UsernsMode = string.Empty,
            CgroupnsMode = "private",
            NetworkMode = input.NetworkMode,
            Runtime = runtime,
            LogConfig = new LogConfig { Type = "none" },
            RestartPolicy = new RestartPolicy { Name = RestartPolicyKind.No },
            Mounts = BuildMounts(request, input.PathMapper, input.ProtectedMounts),
        };
    }

    /// <summary>
    /// Files each tmpfs may hold: one per 4 KiB of its size, at least 16384 and at most 4 Mi. Without
    /// it a tmpfs allows an inode per two pages of the host's RAM, far beyond what its size suggests.
    /// </summary>
    public static long InodeLimit(long diskBytes) => Math.Clamp(diskBytes / 4096, 16384, 4L * 1024 * 1024);

    private static (string Uid, string Gid) SplitUser(string user)
    {
        var parts = user.Split(':');
        return (parts[0], parts.Length > 1 ? parts[1] : parts[0]);
    }

    private static List<Mount> BuildMounts(ExecutionRequest request, IEnginePathMapper paths, IReadOnlyList<ProtectedMount> protectedMounts)
    {
        var mounts = new List<Mount>
        {
            Bind(paths.ToEnginePath(request.WorkingDirectory), "/workspace", readOnly: request.Policy.Workspace == WorkspaceAccess.ReadOnly),
        };
        if (request.InputDirectory is not null)
        {
            mounts.Add(Bind(paths.ToEnginePath(request.InputDirectory), "/input", readOnly: true));
        }

        mounts.AddRange(protectedMounts.Select(mount => ProtectionMount(request.WorkingDirectory, mount, paths)));
        return mounts;
    }

    /// <summary>The engine's mount for one protected path (the engine sorts mounts by depth, so pins come before what they hold).</summary>
    private static Mount ProtectionMount(string workspace, ProtectedMount mount, IEnginePathMapper paths)
    {
        var target = "/workspace/" + mount.RelativePath;
        var host = Path.Combine(workspace, mount.RelativePath);
        return mount.Kind switch
        {
            ProtectionKind.ReadOnly => Bind(paths.ToEnginePath(host), target, readOnly: true),
            ProtectionKind.Pinned => Bind(paths.ToEnginePath(host), target, readOnly: false),
            // The engine host's own /dev/null: not a path of this process, so not mapped.
            ProtectionKind.PlaceholderFile or ProtectionKind.MaskedFile => Bind("/dev/null", target, readOnly: true),
            // Placeholder and Masked. Mode 0777: only the read-only mount refuses a write (gVisor checks permissions before EROFS).
            _ => new Mount { Type = "tmpfs", Target = target, ReadOnly = true, TmpfsOptions = new TmpfsOptions { SizeBytes = 4096, Mode = 0x1FF } },
        };
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
