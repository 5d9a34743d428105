using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Execution;

namespace Gadugi.BuildExec.Core.Telemetry;

/// <summary>One execution as a span (<see cref="GadugiTelemetry.ExecutionSpan"/>) and as metrics.</summary>
/// <remarks>Tag names follow OpenTelemetry's conventions (process.exit.code, error.type) where one exists.</remarks>
internal static class ExecutionTelemetry
{
    private static readonly Counter<long> Runs = GadugiTelemetry.Meter.CreateCounter<long>("gadugi.executions", "{execution}", "Executions that ended, by policy, runtime and outcome.");
    private static readonly Counter<long> Kills = GadugiTelemetry.Meter.CreateCounter<long>("gadugi.executions.killed", "{execution}", "Executions the executor killed, by reason.");
    private static readonly Histogram<double> QueueWait = GadugiTelemetry.Meter.CreateHistogram<double>("gadugi.execution.queue_wait", "s", "Time an execution waited for a sandbox slot.");
    private static readonly Histogram<double> Duration = GadugiTelemetry.Meter.CreateHistogram<double>("gadugi.execution.duration", "s", "Time from request to result, set-up and removal included.");
    private static readonly Histogram<long> PeakMemory = GadugiTelemetry.Meter.CreateHistogram<long>("gadugi.execution.memory.peak", "By", "Peak memory of the sandbox.");
    private static readonly Histogram<double> MemoryUtilization = GadugiTelemetry.Meter.CreateHistogram<double>("gadugi.execution.memory.utilization", "1", "Peak memory as a fraction of the policy's limit.");

    public static Activity? Start(ExecutionRequest request, string executionId)
    {
        var activity = GadugiTelemetry.Source.StartActivity(GadugiTelemetry.ExecutionSpan, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("gadugi.execution.id", executionId);
            activity.SetTag("gadugi.policy", request.Policy.Name);
            activity.SetTag("gadugi.runtime", RuntimeName(request));
            activity.SetTag("gadugi.image", request.Policy.Image);
            activity.SetTag("gadugi.caller", request.Caller);
        }

        return activity;
    }

    public static void Ended(Activity? activity, ExecutionRequest request, ExecutionResult result)
    {
        var kill = result.KillReason is { } reason ? KillReasonName(reason) : null;
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("process.exit.code", result.ExitCode);
            activity.SetTag("gadugi.kill_reason", kill);
            activity.SetTag("gadugi.sandboxed", result.Sandboxed);
            activity.SetTag("gadugi.queue_wait_ms", (long)result.QueueTime.TotalMilliseconds);
            activity.SetTag("gadugi.memory.peak", result.Usage.PeakMemoryBytes);
            activity.SetTag("gadugi.memory.limit", request.Policy.MemoryBytes);
            if (!result.Succeeded)
            {
                activity.SetStatus(ActivityStatusCode.Error, kill ?? "exit " + result.ExitCode.ToString(CultureInfo.InvariantCulture));
            }
        }

        var outcome = kill ?? (result.ExitCode == 0 ? "success" : "failure");
        var tags = Tags(request, outcome);
        Runs.Add(1, tags);
        if (kill is not null)
        {
            Kills.Add(1, new TagList { { "gadugi.policy", request.Policy.Name }, { "gadugi.kill_reason", kill } });
        }

        QueueWait.Record(result.QueueTime.TotalSeconds, tags);
        Duration.Record(result.TotalTime.TotalSeconds, tags);
        if (result.Usage.PeakMemoryBytes is { } peak)
        {
            PeakMemory.Record(peak, tags);
            if (request.Policy.MemoryBytes > 0)
            {
                MemoryUtilization.Record((double)peak / request.Policy.MemoryBytes, tags);
            }
        }
    }

    public static void Failed(Activity? activity, ExecutionRequest request, Exception error)
    {
        var type = error is GadugiException coded ? coded.Code : error.GetType().Name;
        if (activity is not null)
        {
            activity.SetTag("error.type", type);
            activity.SetStatus(ActivityStatusCode.Error, error.Message);
        }

        Runs.Add(1, Tags(request, "error"));
    }

    private static TagList Tags(ExecutionRequest request, string outcome) => new()
    {
        { "gadugi.policy", request.Policy.Name },
        { "gadugi.runtime", RuntimeName(request) },
        { "gadugi.outcome", outcome },
    };

    private static string RuntimeName(ExecutionRequest request) => request.Policy.Runtime.ToString().ToLowerInvariant();

    private static string KillReasonName(KillReason reason) => reason switch
    {
        KillReason.Timeout => "timeout",
        KillReason.Oom => "oom",
        KillReason.OutputLimit => "output_limit",
        KillReason.Cancelled => "cancelled",
        _ => reason.ToString().ToLowerInvariant(),
    };
}
