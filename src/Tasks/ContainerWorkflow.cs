using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Requests;
using Gadugi.BuildExec.Core.Workflows;
using Gadugi.BuildExec.Tasks.Resources;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Gadugi.BuildExec.Tasks;

/// <summary>
/// &lt;ContainerWorkflow File=".gadugi/workflow.yaml" Only="…" MaxParallel="4" /&gt;: a workflow run
/// (docs/gadugi.md) from a build, through the same runner as <c>gadugi-exec workflow run</c>. Each failed
/// phase is a coded build error (GBX4070), each blocked task another (GBX4071); the workflow file's
/// problems are located errors in it.
/// </summary>
public sealed class ContainerWorkflow : ContextAwareTask, IDisposable
{
    private readonly CancellationTokenSource _cancel = new();

    /// <summary>The workflow file, relative to the project.</summary>
    [Required]
    public string File { get; set; } = string.Empty;

    /// <summary>Task ids to run, separated by ';' or ','; empty means all.</summary>
    public string? Only { get; set; }

    /// <summary>Tasks in flight; 0 means the workflow's max_parallel.</summary>
    public int MaxParallel { get; set; }

    public bool FailFast { get; set; }

    public string? AuditLog { get; set; }

    public string? EngineEndpoint { get; set; }

    [Output]
    public string? RunId { get; set; }

    [Output]
    public string? SummaryPath { get; set; }

    /// <summary>One item per failed phase ("task/phase") with metadata Task, Phase, Code and Log.</summary>
    [Output]
    public ITaskItem[] FailedPhases { get; set; } = [];

    protected override void OnCancel() => _cancel.Cancel();

    protected override bool ExportsTelemetry => true;

    public void Dispose() => _cancel.Dispose();

    protected override bool ExecuteInner()
    {
        TaskResources = TaskMessages.ResourceManager;
        return System.Threading.Tasks.Task.Run(() => ExecuteAsync(_cancel.Token)).GetAwaiter().GetResult();
    }

    private string ProjectDirectory =>
        BuildEngine?.ProjectFileOfTaskNode is { Length: > 0 } project && Path.GetDirectoryName(Path.GetFullPath(project)) is { } directory
            ? directory
            : Directory.GetCurrentDirectory();

    private async Task<bool> ExecuteAsync(CancellationToken cancellationToken)
    {
        try
        {
            var workflow = WorkflowFileLoader.LoadFile(Path.GetFullPath(File, ProjectDirectory));
            var executor = ExecutorOptionsBuilder.Build(
                string.IsNullOrWhiteSpace(AuditLog) ? null : Path.GetFullPath(AuditLog, ProjectDirectory),
                string.IsNullOrWhiteSpace(EngineEndpoint) ? null : new Uri(EngineEndpoint));
            var runner = new WorkflowRunner(new WorkflowRunnerOptions { Executor = executor, Caller = "msbuild", Observer = Progress });
            var result = await runner.RunAsync(workflow, new RunPlanOptions
            {
                Only = (Only ?? string.Empty).Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                MaxParallel = MaxParallel > 0 ? MaxParallel : null,
                FailFast = FailFast,
            }, cancellationToken).ConfigureAwait(false);
            RunId = result.RunId;
            SummaryPath = result.SummaryMarkdownPath;
            var failed = new List<ITaskItem>();
            foreach (var task in result.Summary.Tasks)
            {
                foreach (var phase in task.Phases.Where(p => p.Status == WorkflowStatus.Failed))
                {
                    var log = Path.Combine(result.RunDirectory, "tasks", task.Id, phase.Id, "log.txt");
                    var item = new TaskItem($"{task.Id}/{phase.Id}");
                    item.SetMetadata("Task", task.Id);
                    item.SetMetadata("Phase", phase.Id);
                    item.SetMetadata("Code", phase.Code ?? string.Empty);
                    item.SetMetadata("Log", log);
                    failed.Add(item);
                    Error(nameof(TaskMessages.ContainerWorkflowPhaseFailed), task.Id, phase.Id, phase.Detail ?? "failed", log);
                }

                if (task.Status == WorkflowStatus.Blocked)
                {
                    Error(nameof(TaskMessages.ContainerWorkflowTaskBlocked), task.Id, task.Detail);
                }
            }

            FailedPhases = [.. failed];
            if (result.Status == WorkflowStatus.Interrupted)
            {
                Error(nameof(TaskMessages.ContainerWorkflowInterrupted), result.RunId);
            }

            return !Log.HasLoggedErrors;
        }
        catch (WorkflowFileException ex)
        {
            foreach (var issue in ex.Issues)
            {
                Log.LogError(null, issue.Diagnostic.Code, null, issue.File, (int)issue.Line, (int)issue.Column, 0, 0, "{0}", issue.Diagnostic.Text);
            }

            return false;
        }
        catch (GadugiException ex)
        {
            Log.LogError(null, ex.Code, null, BuildEngine?.ProjectFileOfTaskNode, 0, 0, 0, 0, "{0}", ex.Diagnostic.Text);
            return false;
        }
    }

    private void Error(string resource, params object?[] args)
    {
        var diagnostic = Diagnostic.Create(TaskMessages.ResourceManager, resource, args);
        Log.LogError(null, diagnostic.Code, null, BuildEngine?.ProjectFileOfTaskNode, 0, 0, 0, 0, "{0}", diagnostic.Text);
    }

    private void Progress(JournalEntry entry)
    {
        if (entry.Kind is JournalKinds.PhaseFinished or JournalKinds.TaskFinished)
        {
            Log.LogMessage(MessageImportance.High, "workflow {0}/{1}: {2}", entry.Task, entry.Phase ?? "(task)", entry.Status);
        }
        else if (entry.Kind == JournalKinds.Warning)
        {
            Log.LogWarning(null, entry.Code, null, BuildEngine?.ProjectFileOfTaskNode, 0, 0, 0, 0, "{0}", entry.Detail);
        }
    }
}
