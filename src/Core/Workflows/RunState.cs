namespace Gadugi.BuildExec.Core.Workflows;

/// <summary>Where each task and phase of a run stands, as its journal tells it (pure).</summary>
internal sealed class RunState
{
    public Dictionary<string, TaskState> Tasks { get; } = new(StringComparer.Ordinal);

    public string? Status { get; private set; }

    public static RunState From(IEnumerable<JournalEntry> journal)
    {
        var state = new RunState();
        foreach (var entry in journal)
        {
            state.Apply(entry);
        }

        return state;
    }

    public TaskState Task(string id) => Tasks.TryGetValue(id, out var task) ? task : Tasks[id] = new TaskState(id);

    public void Apply(JournalEntry entry)
    {
        var task = entry.Task is null ? null : Task(entry.Task);
        switch (entry.Kind)
        {
            case JournalKinds.TaskStarted:
                task!.BaseCommit ??= entry.Commit;
                task.Status = null;
                break;
            case JournalKinds.PhaseStarted:
                task!.Phase(entry.Phase!).Status = null;
                task.Phase(entry.Phase!).Started = true;
                break;
            case JournalKinds.StepStarted:
                task!.OpenSteps[entry.ExecutionId!] = entry;
                break;
            case JournalKinds.StepFinished:
            case JournalKinds.StepAbandoned:
                task!.OpenSteps.Remove(entry.ExecutionId!);
                break;
            case JournalKinds.PhaseFinished:
                task!.Phase(entry.Phase!).Status = entry.Status;
                break;
            case JournalKinds.Checkpoint:
                task!.LastCheckpoint = entry.Commit;
                break;
            case JournalKinds.TaskFinished:
                task!.Status = entry.Status;
                break;
            case JournalKinds.RunFinished:
                Status = entry.Status;
                break;
            case JournalKinds.RunResumed:
                Status = null;
                break;
        }
    }
}

internal sealed class TaskState(string id)
{
    public string Id { get; } = id;

    public string? Status { get; set; }

    public string? BaseCommit { get; set; }

    public string? LastCheckpoint { get; set; }

    public Dictionary<string, PhaseState> Phases { get; } = new(StringComparer.Ordinal);

    /// <summary>Steps journaled as started with nothing after them: their sandboxes may still exist.</summary>
    public Dictionary<string, JournalEntry> OpenSteps { get; } = new(StringComparer.Ordinal);

    public PhaseState Phase(string id) => Phases.TryGetValue(id, out var phase) ? phase : Phases[id] = new PhaseState();
}

internal sealed class PhaseState
{
    public string? Status { get; set; }

    public bool Started { get; set; }
}
