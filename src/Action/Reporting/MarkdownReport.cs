using System.Globalization;
using System.Text;
using Gadugi.BuildExec.Action.Running;
using Gadugi.BuildExec.Action.TestReports;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Action.Reporting;

/// <summary>Where a report goes; each place has its own size limit and framing.</summary>
public enum ReportTarget
{
    /// <summary>GITHUB_STEP_SUMMARY (1 MiB per step).</summary>
    JobSummary,

    /// <summary>The sticky pull-request comment (65,536 characters).</summary>
    Comment,

    /// <summary>The check run's output summary (65,535 characters).</summary>
    CheckRun,
}

/// <summary>Context lines for the report's footer.</summary>
public sealed record ReportLinks(string? CommitSha, string? RunUrl);

/// <summary>
/// The report as markdown: a headline, one table row per step (command, exit, kill reason,
/// duration, peak memory, limits, sandboxed or fallback), the fenced tail of each failing step's
/// output and the audit log's verdict with its head hash. The same text serves the job summary,
/// the comment and the check run, shortened (fewer tail lines) until it fits the target's limit.
/// </summary>
public static class MarkdownReport
{
    public static string Marker(string checkName) => $"<!-- gadugi-buildexec:{checkName} -->";

    public static int MaxLength(ReportTarget target) => target switch
    {
        ReportTarget.JobSummary => 1024 * 1024 - 1024,
        ReportTarget.Comment => 65_536 - 256,
        _ => 65_535 - 256,
    };

    public static string Build(RunReport report, SandboxPolicy policy, ReportTarget target, ReportLinks links)
    {
        ArgumentNullException.ThrowIfNull(report);
        var limit = MaxLength(target);
        string text;
        var tailLines = 40;
        do
        {
            text = Compose(report, policy, target, links, tailLines);
            tailLines /= 2;
        }
        while (text.Length > limit && tailLines > 0);

        if (text.Length > limit)
        {
            text = Compose(report, policy, target, links, 0);
        }

        return text.Length > limit ? text[..(limit - 40)] + "\n\n_(report truncated)_\n" : text;
    }

    private static string Compose(RunReport report, SandboxPolicy policy, ReportTarget target, ReportLinks links, int tailLines)
    {
        var md = new StringBuilder();
        if (target == ReportTarget.Comment)
        {
            md.Append(Marker(report.CheckName)).Append('\n');
        }

        if (target != ReportTarget.CheckRun)
        {
            md.Append(CultureInfo.InvariantCulture, $"### {(report.Failed ? "❌" : "✅")} Gadugi BuildExec · {Markdown.Text(report.CheckName)}: {report.Headline}\n\n");
        }

        md.Append(CultureInfo.InvariantCulture, $"Policy {Markdown.CodeCell(policy.Name)} · image {Markdown.CodeCell(policy.Image)}\n\n");
        AppendTable(md, report, policy);
        AppendTests(md, report.Tests, tailLines > 0 ? 50 : 10);
        if (tailLines > 0)
        {
            AppendFailures(md, report, tailLines);
        }

        AppendAnnotationsNote(md, report);
        md.Append(CultureInfo.InvariantCulture, $"\n**Audit log** {Markdown.CodeCell(report.Audit.Path)}: {Markdown.Text(report.Audit.Describe())}");
        if (report.Audit.HeadHash is { } head)
        {
            md.Append(CultureInfo.InvariantCulture, $" · head <code>{head}</code>");
        }

        md.Append(report.Audit.IsIntact ? " ✅\n" : " ⚠️\n");
        if (target == ReportTarget.Comment && (links.CommitSha is not null || links.RunUrl is not null))
        {
            md.Append("\n<sub>");
            if (links.CommitSha is { } sha)
            {
                md.Append(CultureInfo.InvariantCulture, $"Commit {Markdown.CodeCell(sha.Length > 12 ? sha[..12] : sha)}");
            }

            if (links.RunUrl is { } url)
            {
                md.Append(CultureInfo.InvariantCulture, $"{(links.CommitSha is null ? string.Empty : " · ")}[workflow run]({url})");
            }

            md.Append("</sub>\n");
        }

        return md.ToString();
    }

    private static void AppendTable(StringBuilder md, RunReport report, SandboxPolicy policy)
    {
        md.Append("| # | Command | Exit | Kill reason | Duration | Peak memory | Limits applied | Ran |\n");
        md.Append("|--:|---------|-----:|-------------|---------:|------------:|----------------|-----|\n");
        foreach (var step in report.Steps)
        {
            var number = step.Step.Number.ToString(CultureInfo.InvariantCulture);
            var command = Markdown.CodeCell(step.Step.Line);
            if (step.Result is not { } result)
            {
                md.Append(CultureInfo.InvariantCulture, $"| {number} | {command} | {StepOutcome.NotRunExitCode} | – | – | – | – | ⛔ not run ({step.Error?.Code}) |\n");
                continue;
            }

            var exit = (step.Failed ? "❌ " : "✅ ") + result.ExitCode.ToString(CultureInfo.InvariantCulture);
            var kill = result.KillReason is { } reason ? ReportFormat.KillReason(reason) : "–";
            var memory = ReportFormat.Size(result.Usage.PeakMemoryBytes);
            var ran = result.Sandboxed ? "🔒 sandboxed" : "⚠️ fallback (unsandboxed)";
            md.Append(CultureInfo.InvariantCulture, $"| {number} | {command} | {exit} | {kill} | {ReportFormat.Duration(result.WallTime)} | {memory} | {ReportFormat.Limits(result, policy)} | {ran} |\n");
        }

        if (report.NotStarted > 0)
        {
            md.Append(CultureInfo.InvariantCulture, $"\n_{report.NotStarted} more step(s) did not start: the job was cancelled._\n");
        }
    }

    private static void AppendFailures(StringBuilder md, RunReport report, int tailLines)
    {
        foreach (var step in report.Steps.Where(step => step.Failed))
        {
            var what = step.Error is { } error
                ? $"could not run: {Markdown.Text(error.Text)} ({error.Code})"
                : step.Result!.KillReason is { } reason
                    ? $"was killed ({ReportFormat.KillReason(reason)}), exit {step.ExitCode}"
                    : $"exited {step.ExitCode}";
            md.Append(CultureInfo.InvariantCulture, $"\n#### Step {step.Step.Number} {Markdown.CodeCell(step.Step.Line, 80)} {what}\n");
            var tail = step.Tail.Count > tailLines ? step.Tail.Skip(step.Tail.Count - tailLines).ToList() : step.Tail.ToList();
            if (tail.Count == 0)
            {
                md.Append("\n_No output._\n");
                continue;
            }

            var lines = tail.Select(line => line.Length > 500 ? line[..500] + "…" : line);
            md.Append(CultureInfo.InvariantCulture, $"\n<details open><summary>Last {tail.Count} line(s) of output</summary>\n\n{Markdown.Fence(lines)}\n\n</details>\n");
        }
    }

    private static void AppendTests(StringBuilder md, TestResultSummary tests, int maxRows)
    {
        if (!tests.Any)
        {
            return;
        }

        md.Append(CultureInfo.InvariantCulture, $"\n**Tests** {(tests.Failed > 0 ? "❌" : "✅")} {Markdown.Text(tests.Counts)} in {tests.Files.Count} result file(s)\n");
        if (tests.Failures.Count > 0)
        {
            md.Append("\n| Failed test | Message | Location |\n|---|---|---|\n");
            foreach (var failure in tests.Failures.Take(maxRows))
            {
                var message = failure.Message.Split('\n')[0];
                var location = failure.File is { } file ? Markdown.CodeCell(failure.Line is { } line ? $"{file}:{line}" : file, 120) : Markdown.Text(failure.ResultFile);
                md.Append(CultureInfo.InvariantCulture, $"| {Markdown.CodeCell(failure.Name, 120)} | {Markdown.Text(message.Length > 300 ? message[..300] + "…" : message)} | {location} |\n");
            }

            if (tests.Failed > Math.Min(maxRows, tests.Failures.Count))
            {
                md.Append(CultureInfo.InvariantCulture, $"\n_{tests.Failed - Math.Min(maxRows, tests.Failures.Count)} more failed test(s) not listed._\n");
            }
        }

        foreach (var problem in tests.Problems.Take(10))
        {
            md.Append(CultureInfo.InvariantCulture, $"\n⚠️ {Markdown.Text(problem)}\n");
        }
    }

    private static void AppendAnnotationsNote(StringBuilder md, RunReport report)
    {
        if (report.Annotations.Count == 0)
        {
            return;
        }

        var errors = report.Annotations.Count(annotation => annotation.Severity == AnnotationSeverity.Error);
        var warnings = report.Annotations.Count - errors;
        md.Append(CultureInfo.InvariantCulture, $"\n{errors} error(s) and {warnings} warning(s) in the output are annotated on the check run");
        md.Append(report.AnnotationsDropped > 0 ? string.Create(CultureInfo.InvariantCulture, $" ({report.AnnotationsDropped} more were outside the workspace or past the limit).\n") : ".\n");
    }
}
