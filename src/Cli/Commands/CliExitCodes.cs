using Gadugi.BuildExec.Core.Execution;

namespace Gadugi.BuildExec.Cli.Commands;

/// <summary>Exit codes as `docker run` and `timeout` use them, so scripts can tell causes apart.</summary>
internal static class CliExitCodes
{
    public const int EngineOrPolicyError = 125;
    public const int Timeout = 124;
    public const int Killed = 137;
    public const int Cancelled = 130;

    public static int For(ExecutionResult result) => result.KillReason switch
    {
        KillReason.Timeout => Timeout,
        KillReason.Oom or KillReason.OutputLimit => Killed,
        KillReason.Cancelled => Cancelled,
        _ => result.ExitCode,
    };
}
