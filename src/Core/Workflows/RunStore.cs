using System.Globalization;
using System.Text.Json;

namespace Gadugi.BuildExec.Core.Workflows;

/// <summary>
/// A run's state on disk, <c>.gadugi/runs/&lt;run-id&gt;/</c>: the frozen plan (the workflow and policy
/// files as they were, <c>plan/</c>), the journal, each phase's output and log under
/// <c>tasks/&lt;task&gt;/&lt;phase&gt;/</c>, and <c>summary.md</c> / <c>summary.json</c>. One process owns a
/// run at a time: it holds <c>lock</c> (a kernel lock, released if the owner is killed).
/// </summary>
internal sealed class RunStore : IDisposable
{
    private readonly FileStream _lock;

    private RunStore(string directory, string runId, FileStream held)
    {
        Directory = directory;
        RunId = runId;
        _lock = held;
    }

    public string Directory { get; }

    public string RunId { get; }

    public string JournalPath => Path.Combine(Directory, "journal.jsonl");

    public string PlanDirectory => Path.Combine(Directory, "plan");

    public static string RunsDirectory(string root) => Path.Combine(root, ".gadugi", "runs");

    public static string NewRunId(TimeProvider time) =>
        time.GetUtcNow().ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + ExecutionIds.New()[..6];

    /// <summary>A new run: its folder, lock and frozen plan.</summary>
    public static RunStore Create(WorkflowDefinition workflow, string runId, RunPlanOptions options)
    {
        var directory = Path.Combine(RunsDirectory(workflow.Root), runId);
        System.IO.Directory.CreateDirectory(directory);
        var store = new RunStore(directory, runId, TakeLock(directory, runId));
        System.IO.Directory.CreateDirectory(store.PlanDirectory);
        File.Copy(workflow.File, Path.Combine(store.PlanDirectory, "workflow.yaml"));
        if (workflow.PolicyFile is not null)
        {
            File.Copy(workflow.PolicyFile, Path.Combine(store.PlanDirectory, "policies.yaml"));
        }

        var plan = new FrozenPlan(workflow.File, workflow.PolicyFile, workflow.Root, options);
        File.WriteAllBytes(Path.Combine(store.PlanDirectory, "plan.json"), JsonSerializer.SerializeToUtf8Bytes(plan, JournalEntry.JsonOptions));
        return store;
    }

    /// <summary>An existing run, locked for this process; GBX6021 when another process holds it, GBX6020 when there is none.</summary>
    public static RunStore OpenExisting(string root, string? runId)
    {
        var runs = RunsDirectory(root);
        runId ??= Latest(root) ?? throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.WorkflowRunNotFound), "(the latest)", runs));
        var directory = Path.Combine(runs, runId);
        if (!WorkflowNames.IsValid(runId) || !File.Exists(Path.Combine(directory, "journal.jsonl")))
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.WorkflowRunNotFound), runId, runs));
        }

        return new RunStore(directory, runId, TakeLock(directory, runId));
    }

    /// <summary>The newest run's id (run ids sort by their start time), or null.</summary>
    public static string? Latest(string root)
    {
        var runs = RunsDirectory(root);
        return System.IO.Directory.Exists(runs)
            ? System.IO.Directory.EnumerateDirectories(runs).Select(Path.GetFileName).Where(name => File.Exists(Path.Combine(runs, name!, "journal.jsonl"))).Order(StringComparer.Ordinal).LastOrDefault()
            : null;
    }

    /// <summary>Whether a process holds the run's lock now.</summary>
    public static bool IsLive(string runDirectory)
    {
        try
        {
            using var probe = new FileStream(Path.Combine(runDirectory, "lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public FrozenPlan ReadPlan() =>
        JsonSerializer.Deserialize<FrozenPlan>(File.ReadAllBytes(Path.Combine(PlanDirectory, "plan.json")), JournalEntry.JsonOptions)
        ?? throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.WorkflowJournalCorrupt), Path.Combine(PlanDirectory, "plan.json"), 1, "(empty)"));

    /// <summary>The workflow as frozen when the run began: its own copies of the workflow and policy files.</summary>
    public WorkflowDefinition LoadFrozenWorkflow(FrozenPlan plan)
    {
        var frozenPolicies = Path.Combine(PlanDirectory, "policies.yaml");
        return WorkflowFileLoader.Parse(
            File.ReadAllText(Path.Combine(PlanDirectory, "workflow.yaml")),
            plan.WorkflowFile,
            _ => PolicyFileLoader.LoadFile(frozenPolicies));
    }

    public string PhaseDirectory(string task, string phase) => Path.Combine(Directory, "tasks", task, phase);

    public void Dispose() => _lock.Dispose();

    private static FileStream TakeLock(string directory, string runId)
    {
        var path = Path.Combine(directory, "lock");
        try
        {
            var held = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1);
            held.SetLength(0);
            held.Write(System.Text.Encoding.ASCII.GetBytes(OwnerIdentity.Current + "\n"));
            held.Flush();
            return held;
        }
        catch (IOException)
        {
            var owner = File.Exists(path) ? SafeRead(path) : "?";
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.WorkflowRunLive), runId, owner.Trim()));
        }
    }

    private static string SafeRead(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (IOException)
        {
            return "another process";
        }
    }
}

/// <summary>What a run was started with, kept for <c>resume</c>.</summary>
public sealed record FrozenPlan(string WorkflowFile, string? PolicyFile, string Root, RunPlanOptions Options);

/// <summary>The caller's choices for a run: which tasks, how many at once, whether the first failure stops all.</summary>
public sealed record RunPlanOptions
{
    /// <summary>Task ids to run (their needs outside this list count as done elsewhere); empty means all.</summary>
    public IReadOnlyList<string> Only { get; init; } = [];

    /// <summary>Tasks in flight; null means the workflow's <c>max_parallel</c>.</summary>
    public int? MaxParallel { get; init; }

    public bool FailFast { get; init; }
}
