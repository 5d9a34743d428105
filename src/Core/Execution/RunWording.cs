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

    /// <summary>"SIGTERM" for 15; the Linux names of the signals a terminal or a supervisor sends, else "signal N".</summary>
    public static string SignalName(int signal) => signal switch
    {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        9 => "SIGKILL",
        15 => "SIGTERM",
        _ => "signal " + signal.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>The audit event's words for a signal the caller forwarded to the command.</summary>
    public static string SignalForwarded(int signal, TimeSpan stopTimeout) =>
        $"{SignalName(signal)} forwarded to the command's process group; killed if still running {stopTimeout.TotalSeconds:0.###} s later";
}
