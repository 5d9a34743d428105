namespace Gadugi.BuildExec.Core.Execution;

/// <summary>
/// The limits and hardening as the engine reports them for the container (read back from inspect),
/// not as they were requested.
/// </summary>
public sealed record AppliedLimits
{
    public long MemoryBytes { get; init; }

    public long MemorySwapBytes { get; init; }

    public decimal Cpus { get; init; }

    public long? PidsLimit { get; init; }

    public bool ReadOnlyRootfs { get; init; }

    public IReadOnlyDictionary<string, string> Tmpfs { get; init; } = new Dictionary<string, string>();

    public string NetworkMode { get; init; } = string.Empty;

    public IReadOnlyList<string> CapDrop { get; init; } = [];

    public IReadOnlyList<string> CapAdd { get; init; } = [];

    public IReadOnlyList<string> SecurityOpt { get; init; } = [];

    /// <summary>uid:gid the command ran as.</summary>
    public string User { get; init; } = string.Empty;

    /// <summary>uid:gid of the sandbox's own processes (the engine's init and the keeper), as the engine reports it.</summary>
    public string KeeperUser { get; init; } = string.Empty;

    public string IpcMode { get; init; } = string.Empty;

    public string PidMode { get; init; } = string.Empty;

    public long ShmSizeBytes { get; init; }

    public bool Privileged { get; init; }

    public string Runtime { get; init; } = string.Empty;

    public long? OpenFiles { get; init; }

    public string LogDriver { get; init; } = string.Empty;

    public IReadOnlyList<string> Mounts { get; init; } = [];

    /// <summary>Enforced by the executor itself, not the engine: copied from the policy.</summary>
    public TimeSpan Timeout { get; init; }

    /// <summary>Enforced by the executor itself, not the engine: copied from the policy.</summary>
    public long OutputLimitBytes { get; init; }
}
