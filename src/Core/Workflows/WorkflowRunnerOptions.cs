namespace Gadugi.BuildExec.Core.Workflows;

/// <summary>How a <see cref="WorkflowRunner"/> runs its steps and whom it tells.</summary>
public sealed class WorkflowRunnerOptions
{
    /// <summary>The executor's options (from <see cref="ExecutorOptionsBuilder.Build"/>); null means that builder's defaults.</summary>
    public ExecutorOptions? Executor { get; init; }

    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Called with every journal entry as it is written (from the runner's threads; keep it quick).</summary>
    public Action<JournalEntry>? Observer { get; init; }

    /// <summary>The caller's variables a step's <c>env</c> names are read from; null means this process's environment.</summary>
    public Func<string, string?>? Environment { get; init; }

    /// <summary>Who runs the workflow, for the audit records ("cli", "msbuild", "action", "library").</summary>
    public string Caller { get; init; } = "library";

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>A phase policy's <c>fallback: shell</c> may run unsandboxed; false for the Action, as for its steps.</summary>
    public bool HonoursFallback { get; init; } = true;
}

/// <summary>The end of a run (or of its part this process ran).</summary>
public sealed class WorkflowRunResult
{
    public required string RunId { get; init; }

    public required string RunDirectory { get; init; }

    /// <summary>passed (every selected task passed), failed (a phase failed or a task was blocked), or interrupted (resumable).</summary>
    public required string Status { get; init; }

    public required WorkflowSummary Summary { get; init; }

    public string SummaryMarkdownPath => Path.Combine(RunDirectory, "summary.md");

    public string SummaryJsonPath => Path.Combine(RunDirectory, "summary.json");

    /// <summary>"task/phase" of every phase that failed.</summary>
    public IReadOnlyList<string> FailedPhases => Summary.Tasks.SelectMany(t => t.Phases.Where(p => p.Status == WorkflowStatus.Failed).Select(p => t.Id + "/" + p.Id)).ToArray();
}
