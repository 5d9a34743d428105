using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Gadugi.BuildExec.Core.Workflows;

/// <summary>A run as a task × phase table, made from its journal: what <c>summary.md</c>/<c>summary.json</c>, the CLI's status and the Action show.</summary>
public sealed class WorkflowSummary
{
    /// <summary>GitHub refuses a comment or check-run text over 65,536 characters; the table stays well under.</summary>
    public const int DefaultMarkdownLimit = 60_000;

    private const int LogTailLines = 15;

    public required string RunId { get; init; }

    public required string Status { get; init; }

    public IReadOnlyList<string> PhaseIds { get; init; } = [];

    public IReadOnlyList<TaskSummary> Tasks { get; init; } = [];

    public IReadOnlyList<string> Warnings { get; init; } = [];

    public string? AuditLog { get; init; }

    /// <summary>The audit chain's verdict ("intact: N records" or the break), null when there is no log.</summary>
    public string? AuditVerdict { get; init; }

    internal static WorkflowSummary From(string runId, string status, IReadOnlyList<string> phaseIds, IReadOnlyList<string> taskIds, IReadOnlyList<JournalEntry> journal, string runDirectory, string? auditLog)
    {
        var tasks = new List<TaskSummary>();
        foreach (var taskId in taskIds)
        {
            var entries = journal.Where(e => e.Task == taskId).ToList();
            var finished = entries.LastOrDefault(e => e.Kind == JournalKinds.TaskFinished);
            var phases = new List<PhaseSummary>();
            foreach (var phaseId in phaseIds)
            {
                var phaseEntries = entries.Where(e => e.Phase == phaseId).ToList();
                var lastStart = phaseEntries.FindLastIndex(e => e.Kind == JournalKinds.PhaseStarted);
                if (lastStart < 0)
                {
                    phases.Add(new PhaseSummary { Id = phaseId, Status = WorkflowStatus.Pending });
                    continue;
                }

                var attempt = phaseEntries.Skip(lastStart).ToList();
                var end = attempt.LastOrDefault(e => e.Kind == JournalKinds.PhaseFinished);
                var steps = attempt.Where(e => e.Kind == JournalKinds.StepFinished).ToList();
                var failing = steps.LastOrDefault(s => s.Status != WorkflowStatus.Passed) ?? steps.LastOrDefault();
                var phaseStatus = end?.Status ?? (status == WorkflowStatus.Interrupted ? WorkflowStatus.Interrupted : "running");
                phases.Add(new PhaseSummary
                {
                    Id = phaseId,
                    Status = phaseStatus,
                    Seconds = end is null ? null : (end.Time - attempt[0].Time).TotalSeconds,
                    ExitCode = failing?.ExitCode,
                    KillReason = failing?.KillReason,
                    PeakMemoryBytes = steps.Max(s => s.PeakMemoryBytes),
                    MemoryLimitBytes = steps.Max(s => s.MemoryLimitBytes),
                    ExecutionIds = attempt.Where(e => e.Kind == JournalKinds.StepStarted).Select(e => e.ExecutionId!).ToArray(),
                    AuditSequences = steps.Where(s => s.AuditSequence is not null).Select(s => s.AuditSequence!.Value).ToArray(),
                    Detail = end?.Detail,
                    Code = end?.Code,
                    Commit = attempt.LastOrDefault(e => e.Kind == JournalKinds.Checkpoint)?.Commit,
                    LogTail = phaseStatus == WorkflowStatus.Failed ? Tail(Path.Combine(runDirectory, "tasks", taskId, phaseId, "log.txt")) : null,
                });
            }

            tasks.Add(new TaskSummary
            {
                Id = taskId,
                Status = finished?.Status ?? (entries.Count == 0 ? WorkflowStatus.Pending : status == WorkflowStatus.Interrupted ? WorkflowStatus.Interrupted : "running"),
                Detail = finished?.Detail,
                Phases = phases,
            });
        }

        string? verdict = null;
        if (auditLog is not null && File.Exists(auditLog))
        {
            verdict = AuditVerifier.Verify(auditLog).ToString();
        }

        return new WorkflowSummary
        {
            RunId = runId,
            Status = status,
            PhaseIds = phaseIds,
            Tasks = tasks,
            Warnings = journal.Where(e => e.Kind == JournalKinds.Warning).Select(e => $"{e.Task}/{e.Phase}: {e.Code}: {e.Detail}").ToArray(),
            AuditLog = auditLog,
            AuditVerdict = verdict,
        };
    }

    private static readonly JsonSerializerOptions IndentedJson = new(JournalEntry.JsonOptions) { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, IndentedJson);

    /// <summary>The table, the failing phases' last log lines and the audit verdict, cut to fit <paramref name="limit"/> characters.</summary>
    public string ToMarkdown(int limit = DefaultMarkdownLimit)
    {
        var table = new StringBuilder();
        table.Append(CultureInfo.InvariantCulture, $"### Workflow run `{RunId}`: {Status}\n\n");
        table.Append("| task | ").AppendJoin(" | ", PhaseIds).Append(" |\n|---|").Append(string.Concat(PhaseIds.Select(_ => "---|"))).Append('\n');
        foreach (var task in Tasks)
        {
            table.Append("| ").Append(task.Id).Append(task.Status == WorkflowStatus.Blocked ? $" ({task.Detail})" : string.Empty);
            foreach (var phase in task.Phases)
            {
                table.Append(" | ").Append(Cell(phase));
            }

            table.Append(" |\n");
        }

        if (AuditVerdict is not null)
        {
            table.Append(CultureInfo.InvariantCulture, $"\nAudit chain: {AuditVerdict}\n");
        }

        foreach (var warning in Warnings.Take(20))
        {
            table.Append("\n> ⚠️ ").Append(warning.ReplaceLineEndings(" "));
        }

        var details = new StringBuilder();
        foreach (var (task, phase) in Tasks.SelectMany(t => t.Phases.Where(p => p.LogTail is not null).Select(p => (t, p))))
        {
            details.Append(CultureInfo.InvariantCulture, $"\n\n<details><summary>{task.Id}/{phase.Id}: last lines</summary>\n\n```\n{phase.LogTail!.Replace("```", "` ` `", StringComparison.Ordinal)}\n```\n</details>");
        }

        var text = table.ToString();
        if (text.Length >= limit)
        {
            return text[..(limit - 40)] + "\n\n… (table cut at the size limit)\n";
        }

        return details.Length + text.Length <= limit ? text + details : text + details.ToString(0, Math.Max(0, limit - text.Length - 40)) + "\n\n… (cut at the size limit)\n";
    }

    private static string Cell(PhaseSummary phase)
    {
        var icon = phase.Status switch
        {
            WorkflowStatus.Passed => "✅",
            WorkflowStatus.Failed => "❌",
            WorkflowStatus.Interrupted => "⏸️",
            WorkflowStatus.Pending => "·",
            _ => "…",
        };
        var parts = new List<string> { icon + " " + phase.Status };
        if (phase.Seconds is { } seconds)
        {
            parts.Add(seconds.ToString("0.0", CultureInfo.InvariantCulture) + " s");
        }

        if (phase.Status == WorkflowStatus.Failed)
        {
            parts.Add(phase.KillReason is { } kill ? "killed: " + kill : phase.Code ?? "exit " + phase.ExitCode?.ToString(CultureInfo.InvariantCulture));
        }

        if (phase.PeakMemoryBytes is { } peak && phase.MemoryLimitBytes is { } limit && limit > 0)
        {
            parts.Add($"{PolicyValueParser.FormatSize(peak)}/{PolicyValueParser.FormatSize(limit)}");
        }

        if (phase.AuditSequences.Count > 0)
        {
            parts.Add("audit #" + string.Join(",", phase.AuditSequences));
        }

        return string.Join("<br>", parts);
    }

    private static string? Tail(string log)
    {
        if (!File.Exists(log))
        {
            return null;
        }

        var lines = File.ReadLines(log).TakeLast(LogTailLines).Select(line => line.Length > 300 ? line[..300] + "…" : line);
        return Redaction.ControlCharacters(string.Join('\n', lines));
    }
}

public sealed class TaskSummary
{
    public required string Id { get; init; }

    public required string Status { get; init; }

    public string? Detail { get; init; }

    public IReadOnlyList<PhaseSummary> Phases { get; init; } = [];
}

public sealed class PhaseSummary
{
    public required string Id { get; init; }

    public required string Status { get; init; }

    public double? Seconds { get; init; }

    public int? ExitCode { get; init; }

    public string? KillReason { get; init; }

    public long? PeakMemoryBytes { get; init; }

    public long? MemoryLimitBytes { get; init; }

    public IReadOnlyList<string> ExecutionIds { get; init; } = [];

    public IReadOnlyList<long> AuditSequences { get; init; } = [];

    public string? Code { get; init; }

    public string? Detail { get; init; }

    public string? Commit { get; init; }

    public string? LogTail { get; init; }
}

internal static class Redaction
{
    public static string ControlCharacters(string text) =>
        new(text.Select(c => char.IsControl(c) && c != '\n' && c != '\t' ? '?' : c).ToArray());
}
