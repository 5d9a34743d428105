using System.Globalization;
using System.Text.Json;
using Gadugi.BuildExec.Core.Audit;
using Gadugi.BuildExec.Core.Workflows;

namespace Gadugi.BuildExec.Engine.Tests.Workflows;

[TestClass]
public sealed class WorkflowRunnerTests
{
    [TestMethod]
    public async Task One_task_through_three_phases_checkpoints_the_rw_phase_and_the_next_phases_see_its_commit_its_output_and_the_artifact()
    {
        using var repo = new WorkflowRepo();
        var workflow = repo.Write("""
            version: 1
            policy_file: policies.yaml
            base: main
            phases:
              - id: implementation
                policy: impl
                steps:
                  - run: echo "implemented for $GADUGI_TASK from $GADUGI_VAR_PROMPT" > feature.txt && echo note > /output/notes.txt
                checkpoint: true
              - id: testing
                policy: check
                inputs: [implementation]
                steps:
                  - { id: unit, run: 'cat feature.txt /input/implementation/notes.txt > /output/report.txt' }
                  - { id: lint, run: 'exit 3', continue_on_error: true }
                gate: { outputs: [report.txt] }
                artifact: .task/phase_6_testing.json
              - id: docs
                policy: check
                steps:
                  - run: cat .task/phase_6_testing.json > /output/seen.json
            tasks:
              - { id: task-1, vars: { prompt: prompts/add-cache.md } }
            """);
        var events = new List<JournalEntry>();

        var result = await repo.Runner(events).RunAsync(workflow);

        Assert.AreEqual(WorkflowStatus.Passed, result.Status, File.ReadAllText(result.SummaryMarkdownPath));
        var journal = repo.Journal(result.RunId);
        var checkpoint = journal.Single(e => e.Kind == JournalKinds.Checkpoint);
        Assert.AreEqual("implementation", checkpoint.Phase);
        var worktree = Path.Combine(repo.Root, ".worktrees", "task-1");
        Assert.AreEqual(checkpoint.Commit, repo.Git("-C", worktree, "rev-parse", "HEAD"), "the read-only phases ran on the checkpoint commit");
        Assert.AreEqual("implemented for task-1 from prompts/add-cache.md", repo.Git("-C", worktree, "show", checkpoint.Commit + ":feature.txt"));
        Assert.AreEqual($"gadugi/{result.RunId}/task-1", repo.Git("-C", worktree, "rev-parse", "--abbrev-ref", "HEAD"));

        var report = File.ReadAllText(Path.Combine(result.RunDirectory, "tasks", "task-1", "testing", "output", "report.txt"));
        Assert.AreEqual("implemented for task-1 from prompts/add-cache.md\nnote\n", report, "testing read the committed file and /input/implementation");

        using var artifact = JsonDocument.Parse(File.ReadAllText(Path.Combine(worktree, ".task", "phase_6_testing.json")));
        Assert.AreEqual(0, artifact.RootElement.GetProperty("unit_exit_code").GetInt32());
        Assert.AreEqual(3, artifact.RootElement.GetProperty("lint_exit_code").GetInt32());
        Assert.IsTrue(artifact.RootElement.GetProperty("quality_gates_passed").GetBoolean());
        StringAssert.Contains(File.ReadAllText(Path.Combine(result.RunDirectory, "tasks", "task-1", "docs", "output", "seen.json")), "\"quality_gates_passed\": true");

        CollectionAssert.AreEqual(journal.Select(e => e.Seq).ToList(), events.Select(e => e.Seq).ToList(), "observers saw every journal entry, in order");
        StringAssert.Contains(File.ReadAllText(result.SummaryMarkdownPath), "| task-1 |");
        AssertJournalAndAuditMatchOneToOne(journal, repo.AuditLog, expectedSteps: 4);
    }

    [TestMethod]
    public async Task A_gate_failure_fails_its_task_and_blocks_only_its_dependants()
    {
        using var repo = new WorkflowRepo();
        var workflow = repo.Write("""
            version: 1
            policy_file: policies.yaml
            isolation: directory
            phases:
              - id: testing
                policy: check
                steps:
                  - run: '[ "$GADUGI_TASK" = a ] || echo ok > /output/report.txt'
                gate: { outputs: [report.txt] }
            tasks:
              - { id: a }
              - { id: b, needs: [a] }
              - { id: c, needs: [b] }
              - { id: d }
            """);

        var result = await repo.Runner().RunAsync(workflow);

        Assert.AreEqual(WorkflowStatus.Failed, result.Status);
        var tasks = result.Summary.Tasks.ToDictionary(t => t.Id);
        Assert.AreEqual(WorkflowStatus.Failed, tasks["a"].Status);
        Assert.AreEqual("GBX6031", tasks["a"].Phases[0].Code, tasks["a"].Phases[0].Detail);
        Assert.AreEqual(WorkflowStatus.Blocked, tasks["b"].Status);
        Assert.AreEqual("blocked by a/testing", tasks["b"].Detail);
        Assert.AreEqual("blocked by a/testing", tasks["c"].Detail);
        Assert.AreEqual(WorkflowStatus.Passed, tasks["d"].Status, "a task that does not need a goes on");
        CollectionAssert.AreEqual(new[] { "a/testing" }, result.FailedPhases.ToArray());
        Assert.IsFalse(repo.Journal(result.RunId).Any(e => e.Kind == JournalKinds.StepStarted && e.Task is "b" or "c"), "blocked tasks never started a sandbox");
    }

    [TestMethod]
    public async Task Eight_tasks_of_three_phases_at_max_parallel_four_overlap_exactly_four_sandboxes()
    {
        using var repo = new WorkflowRepo();
        var tasks = string.Join("\n", Enumerable.Range(1, 8).Select(i => $"  - {{ id: t{i} }}"));
        var step = "s=$(date +%s%N); sleep 2; echo \"$s $(date +%s%N)\" > /output/interval";
        var workflow = repo.Write($$"""
            version: 1
            policy_file: policies.yaml
            isolation: directory
            max_parallel: 4
            phases:
              - { id: p1, policy: check, steps: [ { run: '{{step}}' } ] }
              - { id: p2, policy: check, steps: [ { run: '{{step}}' } ] }
              - { id: p3, policy: check, steps: [ { run: '{{step}}' } ] }
            tasks:
            {{tasks}}
            """);

        var result = await repo.Runner().RunAsync(workflow);

        Assert.AreEqual(WorkflowStatus.Passed, result.Status, File.ReadAllText(result.SummaryMarkdownPath));
        var intervals = Directory.GetFiles(Path.Combine(result.RunDirectory, "tasks"), "interval", SearchOption.AllDirectories)
            .Select(file => File.ReadAllText(file).Split(' ').Select(n => long.Parse(n, CultureInfo.InvariantCulture)).ToArray())
            .ToList();
        Assert.HasCount(24, intervals);
        var peak = intervals.SelectMany(i => new[] { (Time: i[0], Delta: 1), (Time: i[1], Delta: -1) })
            .OrderBy(e => e.Time).ThenBy(e => e.Delta)
            .Aggregate((Now: 0, Peak: 0), (acc, e) => (acc.Now + e.Delta, Math.Max(acc.Peak, acc.Now + e.Delta))).Peak;
        Assert.AreEqual(4, peak, "measured inside the sandboxes: never more than max_parallel, and the slots were used");
    }

    [TestMethod]
    public async Task A_phase_that_plants_a_git_link_fails_with_a_security_event_and_nothing_is_committed()
    {
        using var repo = new WorkflowRepo();
        var workflow = repo.Write("""
            version: 1
            policy_file: policies.yaml
            phases:
              - id: implementation
                policy: impl
                steps:
                  - run: 'echo x > code.txt && mkdir -p vendor/lib && ln -s /tmp/evil-gitdir vendor/lib/.git'
                checkpoint: true
            tasks:
              - { id: t1 }
            """);

        var result = await repo.Runner().RunAsync(workflow);

        Assert.AreEqual(WorkflowStatus.Failed, result.Status);
        var phase = result.Summary.Tasks[0].Phases[0];
        Assert.AreEqual("GBX6032", phase.Code, phase.Detail);
        StringAssert.Contains(phase.Detail, "vendor/lib/.git");
        var journal = repo.Journal(result.RunId);
        Assert.IsFalse(journal.Any(e => e.Kind == JournalKinds.Checkpoint), "no checkpoint commit");
        Assert.IsTrue(journal.Any(e => e.Kind == JournalKinds.Warning && e.Code == "GBX6032"), "a coded security warning");
        Assert.AreEqual(repo.Git("rev-parse", "main"), repo.Git("-C", Path.Combine(repo.Root, ".worktrees", "t1"), "rev-parse", "HEAD"));
    }

    [TestMethod]
    public async Task A_step_past_80_percent_of_its_timeout_gets_a_coded_warning_and_still_passes()
    {
        using var repo = new WorkflowRepo();
        var workflow = repo.Write("""
            version: 1
            policy_file: policies.yaml
            isolation: directory
            phases:
              - { id: slow, policy: brief, steps: [ { run: 'sleep 12.3' } ] }
              - { id: quick, policy: brief, steps: [ { run: 'true' } ] }
            tasks:
              - { id: t }
            """);

        var result = await repo.Runner().RunAsync(workflow);

        Assert.AreEqual(WorkflowStatus.Passed, result.Status);
        var warning = repo.Journal(result.RunId).Single(e => e.Kind == JournalKinds.Warning);
        Assert.AreEqual(("GBX6040", "slow"), (warning.Code, warning.Phase), warning.Detail);
        Assert.Contains("GBX6040", result.Summary.Warnings.Single());
    }

    [TestMethod]
    public async Task Resume_keeps_a_failed_phase_failed_and_retry_failed_reruns_it_and_the_tasks_it_blocked()
    {
        using var repo = new WorkflowRepo();
        var workflow = repo.Write("""
            version: 1
            policy_file: policies.yaml
            isolation: directory
            phases:
              - { id: p, policy: check, steps: [ { run: '[ "$GADUGI_TASK" != a ] || [ -n "$FAST" ]', env: [FAST] } ] }
            tasks:
              - { id: a }
              - { id: b, needs: [a] }
            """);
        var first = await repo.Runner().RunAsync(workflow);
        Assert.AreEqual(WorkflowStatus.Failed, first.Status);

        var resumed = await repo.Runner(environment: name => name == "FAST" ? "1" : null).ResumeAsync(repo.Root, first.RunId);
        var retried = await repo.Runner(environment: name => name == "FAST" ? "1" : null).ResumeAsync(repo.Root, first.RunId, retryFailed: true);

        Assert.AreEqual(WorkflowStatus.Failed, resumed.Status, "without --retry-failed a failed phase stays failed");
        Assert.AreEqual(WorkflowStatus.Passed, retried.Status, File.ReadAllText(retried.SummaryMarkdownPath));
        Assert.IsTrue(retried.Summary.Tasks.All(t => t.Status == WorkflowStatus.Passed));
        Assert.HasCount(3, repo.Journal(first.RunId).Where(e => e.Kind == JournalKinds.StepStarted).ToList(), "a twice, b once after its need passed");
    }

    internal static void AssertJournalAndAuditMatchOneToOne(IReadOnlyList<JournalEntry> journal, string auditLog, int expectedSteps)
    {
        var verdict = AuditVerifier.Verify(auditLog);
        Assert.IsTrue(verdict.IsIntact, verdict.ToString());
        var steps = journal.Where(e => e.Kind == JournalKinds.StepStarted).ToList();
        Assert.HasCount(expectedSteps, steps);
        var records = File.ReadAllLines(auditLog).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        foreach (var step in steps)
        {
            var mine = records.Where(r => r.GetProperty("id").GetString() == step.ExecutionId).ToList();
            Assert.HasCount(2, mine, $"execution {step.ExecutionId}: one started record and one that ended it");
            Assert.AreEqual("started", mine[0].GetProperty("status").GetString());
            var tags = mine[1].GetProperty("tags");
            Assert.AreEqual(step.Task, tags.GetProperty("workflow.task").GetString());
            Assert.AreEqual(step.Phase, tags.GetProperty("workflow.phase").GetString());
            Assert.AreEqual(step.Step, tags.GetProperty("workflow.step").GetString());
            var finished = journal.Single(e => e.Kind is JournalKinds.StepFinished or JournalKinds.StepAbandoned && e.ExecutionId == step.ExecutionId);
            if (finished.AuditSequence is { } seq)
            {
                Assert.AreEqual(seq, mine[1].GetProperty("seq").GetInt64());
            }
        }

        Assert.HasCount(steps.Count * 2, records, "every audit record belongs to a journaled step");
    }
}
