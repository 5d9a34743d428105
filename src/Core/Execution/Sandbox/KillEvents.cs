using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Core.Execution.Sandbox;

/// <summary>The security event a kill leaves in the result and the audit record.</summary>
internal static class KillEvents
{
    public static SecurityEvent For(KillReason reason, SandboxPolicy policy, long outputBytesSeen) => reason switch
    {
        KillReason.Timeout => new("timeout", $"killed after the timeout of {PolicyValueParser.FormatDuration(policy.Timeout)}"),
        KillReason.OutputLimit => new("output_limit", $"killed after writing more than {PolicyValueParser.FormatSize(policy.OutputLimitBytes)} of output ({outputBytesSeen} bytes seen)"),
        KillReason.Cancelled => new("cancelled", "killed because the caller cancelled"),
        _ => new("oom", "killed at the memory limit"),
    };
}
