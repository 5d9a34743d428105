using System.Text.Json;
using System.Text.Json.Serialization;
using Gadugi.BuildExec.Action.Running;

namespace Gadugi.BuildExec.Action.Reporting;

/// <summary>The 'result' output: a compact JSON record of the run, for later steps (fromJSON(steps.x.outputs.result)).</summary>
public static class ResultJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        WriteIndented = false,
    };

    public static string Serialize(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var document = new ResultDocument(
            report.ExitCode,
            report.Failed,
            report.FailedCount,
            report.CheckName,
            report.Policy,
            report.Steps.Select(step => new StepDocument(
                step.Step.Number,
                step.Step.Line,
                step.ExitCode,
                step.Failed,
                step.Result?.KillReason is { } reason ? ReportFormat.KillReason(reason) : null,
                step.Result is { } result ? (long)result.WallTime.TotalMilliseconds : null,
                step.Result?.Usage.PeakMemoryBytes,
                step.Result?.Sandboxed ?? false,
                step.Result?.ExecutionId,
                step.Error?.ToString())).ToList(),
            report.Annotations.Count,
            new AuditDocument(report.Audit.Path, report.Audit.IsIntact, report.Audit.Verification?.Records ?? 0, report.Audit.HeadHash));
        return JsonSerializer.Serialize(document, Options);
    }

    private sealed record ResultDocument(int ExitCode, bool Failed, int FailedSteps, string CheckName, string Policy, IReadOnlyList<StepDocument> Steps, int Annotations, AuditDocument Audit);

    private sealed record StepDocument(int Number, string Command, int ExitCode, bool Failed, string? KillReason, long? DurationMs, long? PeakMemoryBytes, bool Sandboxed, string? ExecutionId, string? Error);

    private sealed record AuditDocument(string Path, bool Intact, long Records, string? HeadHash);
}
