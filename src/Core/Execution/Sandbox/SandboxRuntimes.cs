using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Core.Execution.Sandbox;

/// <summary>
/// The engine runtime for a policy: runc, or gVisor's runsc. gVisor sandboxes with a network need a
/// runtime registered without --network=none ("runsc-net"); without one they are refused (GBX3006).
/// </summary>
internal static class SandboxRuntimes
{
    public const string Runc = "runc";

    /// <summary>gVisor as registered by the set-up, with --network=none.</summary>
    public const string Gvisor = "runsc";

    /// <summary>gVisor registered with its own network stack, for policies that have a network.</summary>
    public const string GvisorNetwork = "runsc-net";

    public static string Choose(SandboxPolicy policy, IReadOnlyCollection<string> engineRuntimes)
    {
        if (policy.Runtime != SandboxRuntime.Gvisor)
        {
            return Runc;
        }

        if (!engineRuntimes.Contains(Gvisor))
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.GvisorUnavailable), policy.Name, policy.Source, string.Join(", ", engineRuntimes)));
        }

        if (policy.Network.Mode == NetworkMode.None)
        {
            return Gvisor;
        }

        return engineRuntimes.Contains(GvisorNetwork)
            ? GvisorNetwork
            : throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.GvisorNetworkUnavailable), policy.Name, policy.Source, policy.Network.ToString()));
    }
}
