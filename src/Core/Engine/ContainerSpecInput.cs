namespace Gadugi.BuildExec.Core.Engine;

/// <summary>Everything about the container that is decided before it is created.</summary>
public sealed record ContainerSpecInput
{
    /// <summary>uid:gid of the sandbox user, unless a writable workspace runs the command as the caller.</summary>
    public const string SandboxUser = "10001:10001";

    /// <summary>Extra life the idle keeper process gets past the timeout, so a sandbox whose owner died still ends.</summary>
    public static readonly TimeSpan KeeperGrace = TimeSpan.FromMinutes(2);

    public required ExecutionRequest Request { get; init; }

    public required string ExecutionId { get; init; }

    public required string Owner { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>
    /// How long the sandbox may wait for its command after <see cref="StartedAt"/>: zero for a cold run,
    /// the pool's idle time for a prepared sandbox. The keeper's life and the deadline label grow by it.
    /// </summary>
    public TimeSpan Reserve { get; init; }

    /// <summary>uid:gid the command runs as.</summary>
    public required string User { get; init; }

    /// <summary>uid:gid of the sandbox's own processes (init and the keeper); never the command's (see <see cref="SandboxKeeper"/>).</summary>
    public string KeeperUser => SandboxKeeper.UserFor(User);

    /// <summary>The paths the image declares as VOLUME; each must be covered by one of the sandbox's own mounts (GBX3103).</summary>
    public IReadOnlyList<string> ImageVolumes { get; init; } = [];

    /// <summary>Engine network mode: "none", "bridge" or the name of a per-execution network.</summary>
    public string NetworkMode { get; init; } = "none";

    public IEnginePathMapper PathMapper { get; init; } = IdentityPathMapper.Instance;

    /// <summary>Engine runtime name: "runc", "runsc", or "runsc-net" (gVisor with a network); null derives it from the policy.</summary>
    public string? Runtime { get; init; }

    /// <summary>"name:address" lines for /etc/hosts (allowlisted names pinned to the addresses resolved at run start).</summary>
    public IReadOnlyList<string> ExtraHosts { get; init; } = [];

    /// <summary>Resolvers the engine's embedded DNS forwards to; for allowlist networks a dead loopback address, so no query leaves.</summary>
    public IReadOnlyList<string> Dns { get; init; } = [];

    /// <summary>Control files of a read-write workspace kept read-only (WorkspaceProtection); empty for a read-only workspace.</summary>
    public IReadOnlyList<ProtectedMount> ProtectedMounts { get; init; } = [];

    /// <summary>The audit log the run writes to, labelled on the sandbox so a sweep can record the run as abandoned there.</summary>
    public string? AuditLog { get; init; }

    /// <summary>Seccomp profile JSON (the default is <see cref="SeccompProfiles.Default"/>); null keeps the engine's default profile.</summary>
    public string? SeccompProfileJson { get; init; }
}
