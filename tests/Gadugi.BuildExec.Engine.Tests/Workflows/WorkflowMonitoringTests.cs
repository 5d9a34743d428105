using System.Text.Json;
using Gadugi.BuildExec.Core.Workflows;

namespace Gadugi.BuildExec.Engine.Tests.Workflows;

/// <summary>The coded warnings a run raises while it watches its sandboxes, and <c>--fail-fast</c>.</summary>
[TestClass]
public sealed class WorkflowMonitoringTests
{
    [TestMethod]
    public async Task A_step_that_reaches_95_percent_of_its_memory_gets_a_coded_warning_and_a_light_step_none()
    {
        using var repo = new WorkflowRepo();
        File.WriteAllText(Path.Combine(repo.Root, ".gadugi", "policies.yaml"), """
            policies:
              small:
                image: "gadugi/python:3.11"
                timeout: "2m"
                memory: "96m"
            """);

        // Grows in 1 MiB steps until the sandbox's own cgroup reports 95% of its limit, so the figure
        // does not depend on how much the interpreter itself takes.
        const string fill = """
            python3 -c 'import time
            read = lambda name: int(open("/sys/fs/cgroup/memory/memory." + name).read())
            limit, held = read("limit_in_bytes"), []
            while read("usage_in_bytes") < limit * 0.95: held.append(bytearray(1 << 20))
            time.sleep(1)'
            """;
        var workflow = repo.Write($$"""
            version: 1
            policy_file: policies.yaml
            isolation: directory
            phases:
              - id: heavy
                policy: small
                steps:
                  - run: |
            {{string.Join('\n', fill.Split('\n').Select(line => "              " + line))}}
              - { id: light, policy: small, steps: [ { run: 'true' } ] }
            tasks:
              - { id: t }
            """);

        var result = await repo.Runner().RunAsync(workflow);

        Assert.AreEqual(WorkflowStatus.Passed, result.Status, File.ReadAllText(result.SummaryMarkdownPath));
        var warning = repo.Journal(result.RunId).Single(e => e.Kind == JournalKinds.Warning);
        Assert.AreEqual(("GBX6041", "heavy"), (warning.Code, warning.Phase), warning.Detail);
        StringAssert.Contains(warning.Detail, "policy 'small'");
        Assert.Contains("GBX6041", result.Summary.Warnings.Single());
    }

    [TestMethod]
    public async Task Fail_fast_cancels_the_task_in_flight_and_the_queued_one_and_leaves_no_sandbox()
    {
        using var repo = new WorkflowRepo();

        // 'bad' fails once the run's journal (readable in the shared directory) says the slow step started, and two seconds more.
        var workflow = repo.Write("""
            version: 1
            policy_file: policies.yaml
            isolation: directory
            max_parallel: 2
            phases:
              - id: work
                policy: check
                steps:
                  - run: |
                      if [ "$GADUGI_TASK" = bad ]; then
                        until grep step-started .gadugi/runs/*/journal.jsonl | grep -q '"task":"slow"'; do sleep 0.2; done
                        sleep 2; exit 1
                      fi
                      sleep 110; echo finished > /output/finished
            tasks:
              - { id: bad }
              - { id: slow }
              - { id: queued, needs: [slow] }
            """);

        var result = await repo.Runner().RunAsync(workflow, new RunPlanOptions { FailFast = true });

        Assert.AreEqual(WorkflowStatus.Failed, result.Status);
        var status = result.Summary.Tasks.ToDictionary(task => task.Id, task => task.Status);
        Assert.AreEqual(WorkflowStatus.Failed, status["bad"]);
        Assert.AreEqual(WorkflowStatus.Interrupted, status["slow"], "the task in flight was cancelled");
        Assert.AreEqual("cancelled by --fail-fast: bad/work failed", result.Summary.Tasks.Single(task => task.Id == "slow").Detail);
        Assert.AreEqual(WorkflowStatus.Interrupted, status["queued"], "the task that had not started never does");
        var journal = repo.Journal(result.RunId);
        Assert.IsFalse(journal.Any(e => e.Kind == JournalKinds.StepStarted && e.Task == "queued"), "no sandbox for the queued task");
        var slowStep = journal.Single(e => e.Kind == JournalKinds.StepStarted && e.Task == "slow");
        Assert.IsFalse(File.Exists(Path.Combine(result.RunDirectory, "tasks", "slow", "work", "output", "finished")), "the slow step did not run to its end");
        var leftovers = await ChildProcess.RunAsync("docker", ["ps", "-aq", "--filter", "label=io.gadugi.execution=" + slowStep.ExecutionId]);
        Assert.AreEqual(string.Empty, leftovers.Stdout.Trim(), "the cancelled sandbox is gone");
        var records = File.ReadAllLines(repo.AuditLog).Select(line => JsonDocument.Parse(line).RootElement)
            .Where(record => record.GetProperty("id").GetString() == slowStep.ExecutionId)
            .Select(record => record.GetProperty("status").GetString())
            .ToList();
        Assert.HasCount(2, records, string.Join(", ", records));
        Assert.AreEqual("started", records[0]);
        Assert.AreNotEqual("completed", records[1], "the cancelled run's record says it was stopped");
    }
}
