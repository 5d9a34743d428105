namespace Gadugi.BuildExec.Core.Workflows;

/// <summary>Where each task of a workflow works.</summary>
public enum WorkflowIsolation
{
    /// <summary>Each task in its own git worktree, <c>.worktrees/&lt;task&gt;</c> on branch <c>gadugi/&lt;run&gt;/&lt;task&gt;</c>.</summary>
    Worktree,

    /// <summary>Each task in a directory of the project (its <c>dir</c>, else the project root).</summary>
    Directory,
}

/// <summary>A checked <c>.gadugi/workflow.yaml</c>: every name resolved, nothing left to fail on before a run.</summary>
public sealed class WorkflowDefinition
{
    /// <summary>The workflow file's full path.</summary>
    public required string File { get; init; }

    /// <summary>The project root: the folder that holds <c>.gadugi/</c> (or the workflow file's folder).</summary>
    public required string Root { get; init; }

    public string? PolicyFile { get; init; }

    public required PolicySet Policies { get; init; }

    public int MaxParallel { get; init; } = 4;

    public WorkflowIsolation Isolation { get; init; } = WorkflowIsolation.Worktree;

    public string Base { get; init; } = "HEAD";

    public required IReadOnlyList<WorkflowPhase> Phases { get; init; }

    public required IReadOnlyList<WorkflowTask> Tasks { get; init; }

    public WorkflowTask Task(string id) => Tasks.First(task => task.Id == id);
}

public sealed class WorkflowPhase
{
    public required string Id { get; init; }

    public required SandboxPolicy Policy { get; init; }

    public required IReadOnlyList<WorkflowStep> Steps { get; init; }

    public bool Checkpoint { get; init; }

    public IReadOnlyList<string> Inputs { get; init; } = [];

    /// <summary>Files (relative paths) the phase must leave in <c>/output</c>.</summary>
    public IReadOnlyList<string> GateOutputs { get; init; } = [];

    /// <summary>Where the host writes Gadugi's phase artifact, relative to the task's directory; null for none.</summary>
    public string? Artifact { get; init; }

    public bool Writes => Policy.Workspace == WorkspaceAccess.ReadWrite;
}

public sealed class WorkflowStep
{
    public required string Id { get; init; }

    /// <summary>A shell command line, run as <c>sh -c</c>.</summary>
    public required string Run { get; init; }

    /// <summary>Names of the caller's variables passed to the step (the policy must allow them).</summary>
    public IReadOnlyList<string> Env { get; init; } = [];

    public bool ContinueOnError { get; init; }
}

public sealed class WorkflowTask
{
    public required string Id { get; init; }

    /// <summary>The commit-ish the task's worktree starts from; null means the workflow's <c>base</c>.</summary>
    public string? Ref { get; init; }

    public IReadOnlyList<string> Needs { get; init; } = [];

    /// <summary>Values for the steps, as <c>GADUGI_VAR_&lt;NAME&gt;</c>.</summary>
    public IReadOnlyDictionary<string, string> Vars { get; init; } = new Dictionary<string, string>();

    /// <summary>For <see cref="WorkflowIsolation.Directory"/>: the task's directory relative to the root; null means the root.</summary>
    public string? Dir { get; init; }
}
