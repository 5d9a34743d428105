using System.Collections.Concurrent;

namespace Gadugi.BuildExec.Core.Workflows;

/// <summary>
/// Runs a workflow's tasks (ordered by <c>needs</c>, at most <c>max_parallel</c> at once) through its
/// phases, one fresh sandbox per step, through the one executor every caller uses. The run is state on
/// disk (<see cref="RunStore"/>): an interrupted run — Ctrl+C, a killed process — continues with
/// <see cref="ResumeAsync"/>.
/// </summary>
public sealed class WorkflowRunner(WorkflowRunnerOptions? options = null)
{
    private readonly WorkflowRunnerOptions _options = options ?? new WorkflowRunnerOptions();

    public async Task<WorkflowRunResult> RunAsync(WorkflowDefinition workflow, RunPlanOptions? plan = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        plan ??= new RunPlanOptions();
        foreach (var id in plan.Only.Where(id => !workflow.Tasks.Any(task => task.Id == id)))
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.WorkflowUnknownTask), id, workflow.File, string.Join(", ", workflow.Tasks.Select(t => t.Id))));
        }

        if (plan.MaxParallel is < 1)
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.WorkflowInvalidValue), "--max-parallel", plan.MaxParallel, "a whole number from 1 to 64"));
        }

        using var store = RunStore.Create(workflow, RunStore.NewRunId(_options.Time), plan);
        using var journal = RunJournal.Open(store.JournalPath, _options.Time);
        Write(journal, new JournalEntry { Kind = JournalKinds.RunStarted, Detail = workflow.File });
        return await ExecuteAsync(workflow, plan, store, journal, new RunState(), retryFailed: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Continues a run (the latest under <paramref name="root"/> when <paramref name="runId"/> is null)
    /// from its frozen plan: takes its lock (GBX6021 while another process runs it), removes the
    /// sandboxes its steps left, records every step started without a result as abandoned (journal and
    /// audit log), resets an interrupted task's worktree to its last checkpoint and reruns from there;
    /// <paramref name="retryFailed"/> also reruns failed phases.
    /// </summary>
    public async Task<WorkflowRunResult> ResumeAsync(string root, string? runId = null, bool retryFailed = false, CancellationToken cancellationToken = default)
    {
        using var store = RunStore.OpenExisting(root, runId);
        var entries = RunJournal.Read(store.JournalPath);
        var plan = store.ReadPlan();
        var workflow = store.LoadFrozenWorkflow(plan);
        using var journal = RunJournal.Open(store.JournalPath, _options.Time);
        var state = RunState.From(entries);
        Write(journal, new JournalEntry { Kind = JournalKinds.RunResumed, Detail = retryFailed ? "--retry-failed" : null });
        await new LeftoverSweep(_options, Executor()).RemoveAsync(state, entry => Write(journal, entry), cancellationToken).ConfigureAwait(false);
        return await ExecuteAsync(workflow, plan.Options, store, journal, state, retryFailed, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A run's table as its journal tells it, without taking its lock (the run may be going on).</summary>
    public static WorkflowSummary ReadStatus(string root, string? runId = null)
    {
        runId ??= RunStore.Latest(root) ?? throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.WorkflowRunNotFound), "(the latest)", RunStore.RunsDirectory(root)));
        var directory = Path.Combine(RunStore.RunsDirectory(root), runId);
        var journalPath = Path.Combine(directory, "journal.jsonl");
        if (!WorkflowNames.IsValid(runId) || !File.Exists(journalPath))
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.WorkflowRunNotFound), runId, RunStore.RunsDirectory(root)));
        }

        var entries = RunJournal.Read(journalPath);
        var state = RunState.From(entries);
        var status = state.Status ?? (RunStore.IsLive(directory) ? "running" : WorkflowStatus.Interrupted);
        var phases = entries.Where(e => e.Phase is not null).Select(e => e.Phase!).Distinct().ToList();
        var frozen = Path.Combine(directory, "plan", "workflow.yaml");
        try
        {
            var plan = System.Text.Json.JsonSerializer.Deserialize<FrozenPlan>(File.ReadAllBytes(Path.Combine(directory, "plan", "plan.json")), JournalEntry.JsonOptions)!;
            var workflow = WorkflowFileLoader.Parse(File.ReadAllText(frozen), plan.WorkflowFile, _ => PolicyFileLoader.LoadFile(Path.Combine(directory, "plan", "policies.yaml")));
            var tasks = plan.Options.Only.Count > 0 ? plan.Options.Only : workflow.Tasks.Select(t => t.Id).ToList();
            return WorkflowSummary.From(runId, status, workflow.Phases.Select(p => p.Id).ToList(), tasks, entries, directory, null);
        }
        catch (GadugiException)
        {
            return WorkflowSummary.From(runId, status, phases, entries.Where(e => e.Task is not null).Select(e => e.Task!).Distinct().ToList(), entries, directory, null);
        }
    }

    private ExecutorOptions Executor() => _options.Executor ?? ExecutorOptionsBuilder.Build();

    private async Task<WorkflowRunResult> ExecuteAsync(WorkflowDefinition workflow, RunPlanOptions plan, RunStore store, RunJournal journal, RunState state, bool retryFailed, CancellationToken cancellationToken)
    {
        // Not RemoveAfterAnswer: with cold sandboxes at max_parallel 4 on two cores, removals in the background
        // slowed the next steps' set-up more than they saved (bench workflow: set-up and removal p50 839 → 1254 ms).
        var executorOptions = Executor();
        await using var executor = new SandboxExecutor(executorOptions, _options.LoggerFactory);
        var selected = plan.Only.Count == 0 ? workflow.Tasks : workflow.Tasks.Where(t => plan.Only.Contains(t.Id)).ToList();
        var selectedIds = selected.Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        using var slots = new SemaphoreSlim(plan.MaxParallel ?? workflow.MaxParallel);
        using var stopAll = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var outcomes = new ConcurrentDictionary<string, Lazy<Task<TaskOutcome>>>(StringComparer.Ordinal);
        var context = new WorkflowRunContext(workflow, store, entry => Write(journal, entry), executor, executorOptions, _options);

        string? failedFast = null;

        Task<TaskOutcome> Outcome(string id) => outcomes.GetOrAdd(id, key => new Lazy<Task<TaskOutcome>>(() => RunTaskAsync(key))).Value;

        async Task<TaskOutcome> RunTaskAsync(string id)
        {
            var outcome = await RunTaskUntilStoppedAsync(id).ConfigureAwait(false);
            if (outcome.Status == WorkflowStatus.Interrupted && failedFast is { } cause && !cancellationToken.IsCancellationRequested)
            {
                // Stopped by --fail-fast, not by the caller: the run is over, so the journal says how this task ended.
                Write(journal, new JournalEntry { Kind = JournalKinds.TaskFinished, Task = id, Status = WorkflowStatus.Interrupted, Phase = outcome.BlockedBy, Detail = $"cancelled by --fail-fast: {cause} failed" });
            }

            return outcome;
        }

        async Task<TaskOutcome> RunTaskUntilStoppedAsync(string id)
        {
            await Task.Yield();
            var task = workflow.Task(id);
            var needs = await Task.WhenAll(task.Needs.Where(selectedIds.Contains).Select(Outcome)).ConfigureAwait(false);
            var known = state.Task(id);
            if (known.Status == WorkflowStatus.Passed || (known.Status == WorkflowStatus.Failed && !retryFailed))
            {
                return new TaskOutcome(id, known.Status, FailedAt(workflow, known));
            }

            if (needs.FirstOrDefault(n => n.Status != WorkflowStatus.Passed) is { } blocker)
            {
                if (blocker.Status == WorkflowStatus.Interrupted)
                {
                    return new TaskOutcome(id, WorkflowStatus.Interrupted, null);
                }

                var by = blocker.Status == WorkflowStatus.Blocked ? blocker.BlockedBy! : $"{blocker.Id}/{blocker.BlockedBy ?? "?"}";
                Write(journal, new JournalEntry { Kind = JournalKinds.TaskFinished, Task = id, Status = WorkflowStatus.Blocked, Detail = "blocked by " + by });
                return new TaskOutcome(id, WorkflowStatus.Blocked, by);
            }

            try
            {
                await slots.WaitAsync(stopAll.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return new TaskOutcome(id, WorkflowStatus.Interrupted, null);
            }

            try
            {
                var outcome = await new TaskRun(context, task, known, retryFailed).RunAsync(stopAll.Token).ConfigureAwait(false);
                if (outcome.Status == WorkflowStatus.Failed && plan.FailFast)
                {
                    Interlocked.CompareExchange(ref failedFast, $"{id}/{outcome.BlockedBy ?? "?"}", null);
                    await stopAll.CancelAsync().ConfigureAwait(false);
                }

                return outcome;
            }
            finally
            {
                slots.Release();
            }
        }

        var results = await Task.WhenAll(selected.Select(t => Outcome(t.Id))).ConfigureAwait(false);
        var status = results.Any(r => r.Status is WorkflowStatus.Failed or WorkflowStatus.Blocked) ? WorkflowStatus.Failed
            : results.Any(r => r.Status == WorkflowStatus.Interrupted) ? WorkflowStatus.Interrupted
            : WorkflowStatus.Passed;
        Write(journal, new JournalEntry { Kind = JournalKinds.RunFinished, Status = status });
        var summary = WorkflowSummary.From(store.RunId, status, workflow.Phases.Select(p => p.Id).ToList(), selected.Select(t => t.Id).ToList(), RunJournal.Read(store.JournalPath), store.Directory, executor.AuditLogPath);
        await File.WriteAllTextAsync(Path.Combine(store.Directory, "summary.json"), summary.ToJson(), CancellationToken.None).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(store.Directory, "summary.md"), summary.ToMarkdown(), CancellationToken.None).ConfigureAwait(false);
        return new WorkflowRunResult { RunId = store.RunId, RunDirectory = store.Directory, Status = status, Summary = summary };
    }

    private static string? FailedAt(WorkflowDefinition workflow, TaskState task) =>
        workflow.Phases.FirstOrDefault(p => task.Phase(p.Id).Status == WorkflowStatus.Failed)?.Id;

    private JournalEntry Write(RunJournal journal, JournalEntry entry)
    {
        var written = journal.Append(entry);
        _options.Observer?.Invoke(written);
        return written;
    }
}

/// <summary>How one task ended: passed, failed (at <see cref="BlockedBy"/>, its phase), blocked (by "task/phase") or interrupted.</summary>
internal sealed record TaskOutcome(string Id, string Status, string? BlockedBy);

/// <summary>What every task of one run shares.</summary>
internal sealed record WorkflowRunContext(WorkflowDefinition Workflow, RunStore Store, Action<JournalEntry> Journal, SandboxExecutor Executor, ExecutorOptions ExecutorOptions, WorkflowRunnerOptions Options);
