using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Core.Execution;

/// <summary>Loads the seccomp profile a policy names; null keeps the engine's default.</summary>
internal static class SeccompProfiles
{
    public static async Task<string?> LoadAsync(SandboxPolicy policy, CancellationToken cancellationToken) =>
        policy.SeccompProfile is null ? null : await File.ReadAllTextAsync(policy.SeccompProfile, cancellationToken).ConfigureAwait(false);
}
