using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Cli.Commands;

/// <summary>A policy's effective values for --json: sizes in bytes, durations in seconds, names as in the YAML.</summary>
internal sealed record PolicyJson(
    string Name,
    string Image,
    long MemoryBytes,
    decimal Cpus,
    long DiskBytes,
    long Pids,
    long OpenFiles,
    string Network,
    double TimeoutSeconds,
    long OutputLimitBytes,
    long CaptureLimitBytes,
    long InputLimitBytes,
    IReadOnlyList<string> Tmpfs,
    IReadOnlyList<string> Env,
    string Runtime,
    string Fallback,
    string Workspace,
    IReadOnlyList<string> Protect,
    string? Seccomp,
    string Source)
{
    public static PolicyJson From(SandboxPolicy p) => new(
        p.Name,
        p.Image,
        p.MemoryBytes,
        p.Cpus,
        p.DiskBytes,
        p.PidsLimit,
        p.OpenFiles,
        p.Network.ToString(),
        p.Timeout.TotalSeconds,
        p.OutputLimitBytes,
        p.CaptureLimitBytes,
        p.InputLimitBytes,
        p.Tmpfs,
        p.EnvAllowlist,
        p.Runtime.ToString().ToLowerInvariant(),
        p.Fallback.ToString().ToLowerInvariant(),
        p.Workspace == WorkspaceAccess.ReadWrite ? "rw" : "ro",
        p.Protect,
        p.SeccompProfile,
        p.Source);
}
