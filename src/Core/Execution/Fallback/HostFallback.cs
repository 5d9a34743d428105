using Gadugi.BuildExec.Core.Logging;
using Microsoft.Extensions.Logging;

namespace Gadugi.BuildExec.Core.Execution.Fallback;

/// <summary>Runs a request on the host when no engine answers and the policy says <c>fallback: shell</c>.</summary>
internal static class HostFallback
{
    public static async Task<ExecutionResult> RunAsync(RunContext run, ILogger logger, CancellationToken cancellationToken)
    {
        var request = run.Request;
        var warning = $"WARNING: '{string.Join(' ', request.Command)}' {RunWording.Unsandboxed(request.Policy.Name)}. Only the timeout, output cap and environment allowlist apply.";
        Log.UnsandboxedFallback(logger, warning);
        using var pump = new OutputPump(request.Output, request.Policy.OutputLimitBytes, request.Policy.CaptureLimitBytes);
        var outcome = await HostShellRunner.RunAsync(request, pump, cancellationToken).ConfigureAwait(false);
        var events = new List<SecurityEvent> { new("fallback", warning) };
        if (outcome.KillReason is { } reason)
        {
            events.Add(KillEvents.For(reason, request.Policy, pump.TotalBytes));
        }

        return new ExecutionResult
        {
            ExecutionId = run.ExecutionId,
            Policy = request.Policy.Name,
            ExitCode = outcome.ExitCode,
            Signal = outcome.KillReason is null ? null : 9,
            KillReason = outcome.KillReason,
            WallTime = outcome.WallTime,
            QueueTime = run.QueueTime,
            Sandboxed = false,
            Stdout = pump.Stdout,
            Stderr = pump.Stderr,
            Events = events,
        };
    }
}
