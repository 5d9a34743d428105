namespace Gadugi.BuildExec.Core.Execution;

/// <summary>The words every caller (CLI, MSBuild, Action, audit) uses for how a run ended, so they never drift apart.</summary>
public static class RunWording
{
    /// <summary>Why the executor stopped the command: "timeout", "out of memory", "output limit", "cancelled".</summary>
    public static string KillReason(KillReason reason) => reason switch
    {
        Execution.KillReason.Timeout => "timeout",
        Execution.KillReason.Oom => "out of memory",
        Execution.KillReason.OutputLimit => "output limit",
        _ => "cancelled",
    };

    /// <summary>"killed: out of memory".</summary>
    public static string Killed(KillReason reason) => "killed: " + KillReason(reason);

    /// <summary>The warning for a command that ran without a sandbox (policy <c>fallback: shell</c>, no engine).</summary>
    public static string Unsandboxed(string policy) =>
        $"ran UNSANDBOXED on the host: no container engine answered and policy '{policy}' says fallback: shell";
}
