using Gadugi.BuildExec.Core.Audit;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Core.Network;

namespace Gadugi.BuildExec.Core.Execution;

public sealed record ExecutorOptions
{
    /// <summary>Engine endpoint; null means the one the docker CLI would use (DOCKER_HOST, DOCKER_CONTEXT, the current context, else the local socket).</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>The engine to run sandboxes on (not disposed by the executor); null connects to <see cref="Endpoint"/>.</summary>
    public ISandboxEngine? Engine { get; init; }

    /// <summary>Executions running at once in this process; more wait in a queue.</summary>
    public int MaxConcurrency { get; init; } = 10;

    /// <summary>
    /// Lock-file directory that bounds executions across all processes of the machine to
    /// <see cref="MaxConcurrency"/>; null bounds this process only.
    /// </summary>
    public string? MachineSlotsDirectory { get; init; }

    /// <summary>JSON Lines audit log; null disables auditing (tests of pure behaviour only).</summary>
    public string? AuditLogPath { get; init; } = AuditLogLocation.Default();

    /// <summary>Remove leftover containers of dead owners before the first execution.</summary>
    public bool ReapStaleContainers { get; init; } = true;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Maps local paths to the engine host's paths for bind mounts (see <see cref="IEnginePathMapper"/>).</summary>
    public IEnginePathMapper PathMapper { get; init; } = IdentityPathMapper.Instance;

    /// <summary>Programs the host firewall for network allowlists (iptables by default).</summary>
    public IFirewall Firewall { get; init; } = IptablesFirewall.Instance;

    /// <summary>Resolves allowlisted host names at run start; null means the system resolver.</summary>
    public DestinationResolver.Lookup? HostLookup { get; init; }

    /// <summary>
    /// Warm single-use sandboxes for requests that can use them (the background service's); null runs
    /// every request cold. The pool is the caller's to dispose.
    /// </summary>
    public Pool.SandboxPool? Pool { get; init; }

    /// <summary>
    /// False (the default): a run's sandbox is removed before <c>SandboxExecutor.RunAsync</c> returns.
    /// True: a concluded run (usage read, /output collected) whose sandbox reaches nothing outside itself
    /// (network none, read-only workspace, runc) returns once that sandbox is frozen, so nothing in it
    /// runs again, and the sandbox is removed in the background; disposing the executor waits for those
    /// removals. Any other sandbox, and one that cannot be frozen (a kill already stopped it), is still
    /// removed before <c>RunAsync</c> returns.
    /// </summary>
    public bool RemoveAfterAnswer { get; init; }
}
