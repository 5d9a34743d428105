using System.Diagnostics;
using System.Globalization;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Workflows;

namespace Gadugi.BuildExec.Benchmarks;

/// <summary>
/// 'bench workflow': a workflow's parallelism and its cost. 8 tasks × 3 phases of 2 s sleeps at
/// max_parallel 4 beside the same run at max_parallel 1; CPU-bound phases at 1, cores and 2×cores
/// tasks in flight; the runner's own time per phase (phase minus its steps' sandboxes, p50); and a
/// sandboxed hook's latency beside 'gadugi-exec run'. Figures and ratios from this run, no assertions.
/// </summary>
internal static class WorkflowBenchmark
{
    public static async Task<int> RunAsync(int hookIterations)
    {
        var project = Directory.CreateTempSubdirectory("gadugi-bench-workflow-").FullName;
        File.SetUnixFileMode(project, (UnixFileMode)0x1ED);
        try
        {
            Console.WriteLine($"Workflow benchmark: {Environment.ProcessorCount} CPUs");
            var sleep = Workflow(project, "sleep", 8, "sleep 2", maxParallel: 4);
            var parallel = await TimeAsync(project, sleep, 4);
            var sequential = await TimeAsync(project, sleep, 1);
            Console.WriteLine($"8 tasks × 3 phases of 'sleep 2'   max_parallel 4: {parallel.Seconds,7:0.0} s   max_parallel 1: {sequential.Seconds,7:0.0} s   speed-up ×{sequential.Seconds / parallel.Seconds:0.00}");

            var cpu = Workflow(project, "cpu", 4, "i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done", maxParallel: 4);
            var cores = Environment.ProcessorCount;
            var one = await TimeAsync(project, cpu, 1);
            foreach (var inFlight in new[] { cores, 2 * cores }.Distinct())
            {
                var run = await TimeAsync(project, cpu, inFlight);
                Console.WriteLine($"4 tasks × 3 CPU-bound phases     max_parallel {inFlight}: {run.Seconds,7:0.0} s   max_parallel 1: {one.Seconds,7:0.0} s   speed-up ×{one.Seconds / run.Seconds:0.00} (cores: {cores})");
            }

            var overhead = new Samples(parallel.OverheadPerPhase.Concat(sequential.OverheadPerPhase).ToList());
            var lifecycle = new Samples(parallel.SandboxPerPhase.Concat(sequential.SandboxPerPhase).ToList());
            Console.WriteLine($"per phase: the runner's own time (journal, staging, gate, checks) p50 {overhead.P50 * 1000:0} ms p95 {overhead.P95 * 1000:0} ms; the executor's sandbox set-up and removal p50 {lifecycle.P50 * 1000:0} ms; runner/sandbox ×{overhead.P50 / lifecycle.P50:0.00}  ({overhead.Seconds.Count} phases)");

            if (Baselines.FindCli() is { } cli)
            {
                var hook = await Measure.RepeatAsync("hook", hookIterations, () => Baselines.RunProcessAsync(cli, ["hook", "--policy", "shell", "--", "true"], project));
                var run = await Measure.RepeatAsync("run", hookIterations, () => Baselines.RunProcessAsync(cli, ["run", "--policy", "shell", "--", "true"], project));
                Console.WriteLine($"gadugi-exec hook -- true   p50 {hook.P50 * 1000:0} ms   gadugi-exec run -- true   p50 {run.P50 * 1000:0} ms   hook/run ×{hook.P50 / run.P50:0.00}  ({hookIterations} each)");
            }

            return 0;
        }
        finally
        {
            Directory.Delete(project, recursive: true);
        }
    }

    private static WorkflowDefinition Workflow(string project, string name, int tasks, string step, int maxParallel)
    {
        var file = Path.Combine(project, name + ".workflow.yaml");
        var phases = string.Join('\n', Enumerable.Range(1, 3).Select(i => $"  - {{ id: p{i}, policy: shell, steps: [ {{ run: '{step}' }} ] }}"));
        var ids = string.Join('\n', Enumerable.Range(1, tasks).Select(i => $"  - {{ id: t{i} }}"));
        File.WriteAllText(file, $"version: 1\nisolation: directory\nmax_parallel: {maxParallel}\nphases:\n{phases}\ntasks:\n{ids}\n");
        return WorkflowFileLoader.LoadFile(file);
    }

    private static async Task<(double Seconds, List<double> OverheadPerPhase, List<double> SandboxPerPhase)> TimeAsync(string project, WorkflowDefinition workflow, int maxParallel)
    {
        var runner = new WorkflowRunner(new WorkflowRunnerOptions { Executor = new ExecutorOptions { AuditLogPath = Path.Combine(project, "audit.jsonl") }, Caller = "bench" });
        var watch = Stopwatch.StartNew();
        var result = await runner.RunAsync(workflow, new RunPlanOptions { MaxParallel = maxParallel });
        var seconds = watch.Elapsed.TotalSeconds;
        if (result.Status != WorkflowStatus.Passed)
        {
            throw new MeasuredRunFailedException($"the workflow run {result.RunId} did not pass: {string.Join(", ", result.FailedPhases)}");
        }

        var journal = File.ReadAllLines(Path.Combine(result.RunDirectory, "journal.jsonl"))
            .Select(line => System.Text.Json.JsonSerializer.Deserialize<JournalEntry>(line, JsonOptions)!).ToList();
        var runnerTime = new List<double>();
        var sandbox = new List<double>();
        foreach (var phase in journal.Where(e => e.Kind == JournalKinds.PhaseFinished))
        {
            var started = journal.Last(e => e.Kind == JournalKinds.PhaseStarted && e.Task == phase.Task && e.Phase == phase.Phase && e.Seq < phase.Seq);
            var steps = journal.Where(e => e.Kind == JournalKinds.StepFinished && e.Task == phase.Task && e.Phase == phase.Phase && e.Seq > started.Seq && e.Seq < phase.Seq).ToList();
            runnerTime.Add((phase.Time - started.Time).TotalSeconds - steps.Sum(e => e.TotalSeconds ?? 0));
            sandbox.Add(steps.Sum(e => (e.TotalSeconds ?? 0) - (e.Seconds ?? 0)));
        }

        return (seconds, runnerTime, sandbox);
    }

    private static readonly System.Text.Json.JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower };
}
