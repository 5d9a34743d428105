using System.CommandLine;
using System.Text.Json;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Requests;
using Gadugi.BuildExec.Core.Workflows;

namespace Gadugi.BuildExec.Cli.Commands;

/// <summary>
/// gadugi-exec workflow check|run|resume|status|matrix: a workflow's tasks through its phases, each
/// step in a fresh sandbox. Exit 0 all passed, 1 a phase failed or a task was blocked, 125 a coded
/// error, 130 interrupted (resumable with 'workflow resume').
/// </summary>
internal static class WorkflowCommand
{
    public const int NotPassed = 1;

    public static Command Create()
    {
        var workflow = new Command("workflow", "Run a workflow (.gadugi/workflow.yaml): tasks ordered by needs, phases and steps in sandboxes, resumable.")
        {
            Check(), Run(), Resume(), Status(), Matrix(),
        };
        return workflow;
    }

    private static Argument<FileInfo> FileArgument() => new("file") { Description = "The workflow file, e.g. .gadugi/workflow.yaml." };

    private static Option<DirectoryInfo?> RootOption() => new("--root") { Description = "The project root holding .gadugi/runs (default: the current directory)." };

    private static Option<FileInfo?> AuditLogOption() => new("--audit-log") { Description = "Audit log (JSON Lines). Default: $GADUGI_AUDIT_LOG or ~/.local/state/gadugi/audit.jsonl." };

    private static Command Check()
    {
        var file = FileArgument();
        var check = new Command("check", "Check a workflow file (and its policy file); nothing runs. Exit 0 when it is valid, 125 with located errors.") { file };
        check.SetAction(parse => Guard(() =>
        {
            var definition = WorkflowFileLoader.LoadFile(parse.GetValue(file)!.FullName);
            var levels = TaskGraph.Levels(definition.Tasks);
            Console.WriteLine($"{definition.File}: valid: {definition.Tasks.Count} task(s) in {levels.Count} level(s) × {definition.Phases.Count} phase(s) ({string.Join(" → ", definition.Phases.Select(p => $"{p.Id} [{p.Policy.Name}]"))}), max_parallel {definition.MaxParallel}, isolation {definition.Isolation.ToString().ToLowerInvariant()}");
            return 0;
        }));
        return check;
    }

    private static Command Run()
    {
        var file = FileArgument();
        var only = new Option<string?>("--only") { Description = "Comma-separated task ids to run (their needs outside the list count as done elsewhere)." };
        var maxParallel = new Option<int?>("--max-parallel") { Description = "Tasks in flight (default: the workflow's max_parallel)." };
        var failFast = new Option<bool>("--fail-fast") { Description = "The first failed phase cancels every other task." };
        var json = new Option<bool>("--json") { Description = "Print the run's summary as JSON on stdout." };
        var auditLog = AuditLogOption();
        var verbose = new Option<bool>("--verbose") { Description = "Log each executor step on stderr." };
        var run = new Command("run", "Run a workflow's tasks through its phases. Exit 0 all passed, 1 failed or blocked, 125 error, 130 interrupted.") { file, only, maxParallel, failFast, json, auditLog, verbose };
        run.SetAction((parse, cancellationToken) => GuardAsync(async () =>
        {
            var definition = WorkflowFileLoader.LoadFile(parse.GetValue(file)!.FullName);
            var plan = new RunPlanOptions
            {
                Only = (parse.GetValue(only) ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                MaxParallel = parse.GetValue(maxParallel),
                FailFast = parse.GetValue(failFast),
            };
            using var loggerFactory = CliConsole.CreateLoggerFactory(parse.GetValue(verbose));
            var result = await Runner(parse.GetValue(auditLog), loggerFactory).RunAsync(definition, plan, cancellationToken).ConfigureAwait(false);
            return Report(result, parse.GetValue(json));
        }));
        return run;
    }

    private static Command Resume()
    {
        var runId = new Argument<string?>("run") { Arity = ArgumentArity.ZeroOrOne, Description = "The run id (default: the latest run)." };
        var retryFailed = new Option<bool>("--retry-failed") { Description = "Also rerun failed phases (and the tasks they blocked)." };
        var root = RootOption();
        var json = new Option<bool>("--json") { Description = "Print the run's summary as JSON on stdout." };
        var auditLog = AuditLogOption();
        var resume = new Command("resume", "Continue an interrupted run from its frozen plan: leftover sandboxes removed, unfinished steps recorded as abandoned, the worktree reset to its last checkpoint.") { runId, retryFailed, root, json, auditLog };
        resume.SetAction((parse, cancellationToken) => GuardAsync(async () =>
        {
            using var loggerFactory = CliConsole.CreateLoggerFactory(false);
            var result = await Runner(parse.GetValue(auditLog), loggerFactory).ResumeAsync(RootOf(parse.GetValue(root)), parse.GetValue(runId), parse.GetValue(retryFailed), cancellationToken).ConfigureAwait(false);
            return Report(result, parse.GetValue(json));
        }));
        return resume;
    }

    private static Command Status()
    {
        var runId = new Argument<string?>("run") { Arity = ArgumentArity.ZeroOrOne, Description = "The run id (default: the latest run)." };
        var root = RootOption();
        var json = new Option<bool>("--json") { Description = "The summary as JSON." };
        var markdown = new Option<bool>("--markdown") { Description = "The task × phase table as Markdown (what the Action posts)." };
        var status = new Command("status", "Show a run's task × phase table from its journal (the run may still be going).") { runId, root, json, markdown };
        status.SetAction(parse => Guard(() =>
        {
            var summary = WorkflowRunner.ReadStatus(RootOf(parse.GetValue(root)), parse.GetValue(runId));
            Console.WriteLine(parse.GetValue(json) ? summary.ToJson() : parse.GetValue(markdown) ? summary.ToMarkdown() : Plain(summary));
            return 0;
        }));
        return status;
    }

    private static Command Matrix()
    {
        var file = FileArgument();
        var matrix = new Command("matrix", "Print the tasks as JSON for a GitHub Actions strategy.matrix, grouped by needs level: {\"levels\":[{\"task\":[…]},…],\"count\":N}.") { file };
        matrix.SetAction(parse => Guard(() =>
        {
            var definition = WorkflowFileLoader.LoadFile(parse.GetValue(file)!.FullName);
            var levels = TaskGraph.Levels(definition.Tasks);
            var document = new Dictionary<string, object>
            {
                ["count"] = levels.Count,
                ["levels"] = levels.Select(level => new Dictionary<string, object> { ["task"] = level.Select(t => t.Id).ToArray() }).ToArray(),
            };
            Console.WriteLine(JsonSerializer.Serialize(document));
            return 0;
        }));
        return matrix;
    }

    private static WorkflowRunner Runner(FileInfo? auditLog, Microsoft.Extensions.Logging.ILoggerFactory loggerFactory) => new(new WorkflowRunnerOptions
    {
        Executor = ExecutorOptionsBuilder.Build(auditLog?.FullName),
        LoggerFactory = loggerFactory,
        Caller = "cli",
        Observer = Progress,
    });

    private static void Progress(JournalEntry entry)
    {
        var where = string.Join('/', new[] { entry.Task, entry.Phase, entry.Step }.Where(part => part is not null));
        var line = entry.Kind switch
        {
            JournalKinds.RunStarted or JournalKinds.RunResumed => null,
            JournalKinds.StepStarted => $"{where}: started (execution {entry.ExecutionId})",
            JournalKinds.StepFinished => $"{where}: {entry.Status}" + (entry.ExitCode is { } code ? $" (exit {code}{(entry.KillReason is null ? string.Empty : ", " + entry.KillReason)})" : entry.Code is null ? string.Empty : $" ({entry.Code})"),
            JournalKinds.PhaseFinished => $"{where}: phase {entry.Status}" + (entry.Detail is null ? string.Empty : $": {entry.Detail}"),
            JournalKinds.Checkpoint => $"{where}: checkpoint {entry.Commit?[..Math.Min(12, entry.Commit.Length)]}" + (entry.Status is null ? string.Empty : " (" + entry.Status + ")"),
            JournalKinds.TaskFinished => $"{where}: task {entry.Status}" + (entry.Detail is null ? string.Empty : $" ({entry.Detail})"),
            JournalKinds.StepAbandoned => $"{where}: abandoned (execution {entry.ExecutionId})",
            JournalKinds.Warning => $"warning {entry.Code}: {entry.Detail}",
            _ => null,
        };
        if (line is not null)
        {
            Console.Error.WriteLine("gadugi-exec: " + line);
        }
    }

    private static int Report(WorkflowRunResult result, bool json)
    {
        Console.WriteLine(json ? result.Summary.ToJson() : Plain(result.Summary));
        switch (result.Status)
        {
            case WorkflowStatus.Passed:
                return 0;
            case WorkflowStatus.Interrupted:
                Console.Error.WriteLine($"gadugi-exec: run {result.RunId} interrupted; continue it with 'gadugi-exec workflow resume {result.RunId}'");
                return CliExitCodes.Cancelled;
            default:
                var failed = result.FailedPhases.Concat(result.Summary.Tasks.Where(t => t.Status == WorkflowStatus.Blocked).Select(t => $"{t.Id} {t.Detail}"));
                Console.Error.WriteLine("gadugi-exec: error " + Diagnostic.Create(nameof(DiagnosticMessages.WorkflowRunFailed), result.RunId, string.Join("; ", failed), result.SummaryMarkdownPath));
                return NotPassed;
        }
    }

    private static string Plain(WorkflowSummary summary)
    {
        var lines = new List<string> { $"run {summary.RunId}: {summary.Status}" };
        foreach (var task in summary.Tasks)
        {
            lines.Add($"  {task.Id}: {task.Status}{(task.Detail is null ? string.Empty : " (" + task.Detail + ")")}  " + string.Join("  ", task.Phases.Select(p => $"{p.Id}={p.Status}")));
        }

        if (summary.AuditVerdict is not null)
        {
            lines.Add("audit: " + summary.AuditVerdict);
        }

        return string.Join(Environment.NewLine, lines);
    }

    private static string RootOf(DirectoryInfo? root) => root?.FullName ?? Directory.GetCurrentDirectory();

    private static int Guard(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (WorkflowFileException ex)
        {
            foreach (var issue in ex.Issues)
            {
                Console.Error.WriteLine(issue);
            }

            Console.Error.WriteLine($"gadugi-exec: error {ex.Diagnostic.Code}: {ex.Issues.Count} problem(s) in {ex.File}; nothing ran");
            return CliExitCodes.EngineOrPolicyError;
        }
        catch (GadugiException ex)
        {
            return CliConsole.ReportError(ex);
        }
    }

    private static async Task<int> GuardAsync(Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (WorkflowFileException ex)
        {
            return Guard(() => throw ex);
        }
        catch (GadugiException ex)
        {
            return CliConsole.ReportError(ex);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("gadugi-exec: interrupted");
            return CliExitCodes.Cancelled;
        }
    }
}
