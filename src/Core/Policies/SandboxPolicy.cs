namespace Gadugi.BuildExec.Core.Policies;

/// <summary>
/// Everything a policy controls about one execution. Hardening that is always on (read-only root,
/// no capabilities, no-new-privileges, non-root user, private IPC, …) is deliberately absent:
/// a policy cannot switch it off.
/// </summary>
public sealed record SandboxPolicy
{
    public required string Name { get; init; }

    public required string Image { get; init; }

    public long MemoryBytes { get; init; } = PolicyDefaults.MemoryBytes;

    public decimal Cpus { get; init; } = PolicyDefaults.Cpus;

    public NetworkPolicy Network { get; init; } = NetworkPolicy.None;

    /// <summary>Extra tmpfs mounts; /tmp is always mounted.</summary>
    public IReadOnlyList<string> Tmpfs { get; init; } = ["/tmp"];

    public long PidsLimit { get; init; } = PolicyDefaults.PidsLimit;

    /// <summary>Size of each writable tmpfs (/tmp, extra tmpfs, /output).</summary>
    public long DiskBytes { get; init; } = PolicyDefaults.DiskBytes;

    public long OpenFiles { get; init; } = PolicyDefaults.OpenFiles;

    public TimeSpan Timeout { get; init; } = PolicyDefaults.Timeout;

    /// <summary>Bytes of stdout+stderr the command may write before it is killed.</summary>
    public long OutputLimitBytes { get; init; } = PolicyDefaults.OutputLimitBytes;

    /// <summary>Bytes of each stream kept in the result (head and tail, with a marker between).</summary>
    public long CaptureLimitBytes { get; init; } = PolicyDefaults.CaptureLimitBytes;

    /// <summary>Total bytes the input directory may hold; a larger one is refused before anything runs.</summary>
    public long InputLimitBytes { get; init; } = PolicyDefaults.InputLimitBytes;

    /// <summary>Names of environment variables a caller may pass in. Nothing else reaches the container.</summary>
    public IReadOnlyList<string> EnvAllowlist { get; init; } = [];

    public SandboxRuntime Runtime { get; init; } = SandboxRuntime.Runc;

    public FallbackMode Fallback { get; init; } = FallbackMode.None;

    public WorkspaceAccess Workspace { get; init; } = WorkspaceAccess.ReadOnly;

    /// <summary>
    /// Paths relative to the workspace that a <c>workspace: rw</c> sandbox may not change, in addition
    /// to the built-in list (WorkspaceProtection.Defaults), which always applies.
    /// </summary>
    public IReadOnlyList<string> Protect { get; init; } = [];

    /// <summary>Path of a seccomp profile (JSON); null means the project's default profile.</summary>
    public string? SeccompProfile { get; init; }

    /// <summary>Where the policy came from: "built-in" or a file path.</summary>
    public string Source { get; init; } = "built-in";
}

public enum SandboxRuntime
{
    Runc,
    Gvisor,
}

public enum FallbackMode
{
    None,
    Shell,
}

public enum WorkspaceAccess
{
    ReadOnly,
    ReadWrite,
}
