using System.Diagnostics;
using System.Text.Json;
using Gadugi.BuildExec.Core.Workflows;

namespace Gadugi.BuildExec.Engine.Tests.Workflows;

[TestClass]
public sealed class WorkflowCliTests
{
    [TestMethod]
    public async Task Kill_9_of_the_cli_mid_phase_then_resume_completes_with_no_leftover_an_abandoned_record_and_the_partial_file_reset()
    {
        using var repo = new WorkflowRepo();
        repo.Write("""
            version: 1
            policy_file: policies.yaml
            phases:
              - id: implementation
                policy: impl
                steps:
                  - env: [FAST]
                    run: |
                      if [ -n "$FAST" ]; then
                        if [ -e partial.txt ]; then echo stale > /output/stale.txt; fi
                        echo done > /output/done.txt; exit 0
                      fi
                      echo partial > partial.txt; sleep 120
                checkpoint: true
            tasks:
              - { id: t1 }
            """);
        var environment = new Dictionary<string, string> { ["GADUGI_AUDIT_LOG"] = repo.AuditLog };
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = repo.Root, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { Support.Cli.ProgramPath, "workflow", "run", repo.WorkflowFile })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["GADUGI_AUDIT_LOG"] = repo.AuditLog;
        start.Environment.Remove("FAST");
        var partial = Path.Combine(repo.Root, ".worktrees", "t1", "partial.txt");
        string runId;
        using (var cli = Process.Start(start)!)
        {
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (!File.Exists(partial) && DateTime.UtcNow < deadline && !cli.HasExited)
            {
                await Task.Delay(100);
            }

            Assert.IsTrue(File.Exists(partial), "the phase was running");
            cli.Kill();
            await cli.WaitForExitAsync();
            runId = RunIdOf(repo);
        }

        var started = repo.Journal(runId).Single(e => e.Kind == JournalKinds.StepStarted);
        environment["FAST"] = "1";
        var resumed = await Support.Cli.RunAsync(repo.Root, environment, null, "workflow", "resume", runId);

        Assert.AreEqual(0, resumed.ExitCode, resumed.ToString());
        var journal = repo.Journal(runId);
        var abandoned = journal.Single(e => e.Kind == JournalKinds.StepAbandoned);
        Assert.AreEqual(started.ExecutionId, abandoned.ExecutionId);
        Assert.IsFalse(File.Exists(partial), "the worktree was reset to its last checkpoint");
        var output = Path.Combine(repo.Root, ".gadugi", "runs", runId, "tasks", "t1", "implementation", "output");
        Assert.IsTrue(File.Exists(Path.Combine(output, "done.txt")));
        Assert.IsFalse(File.Exists(Path.Combine(output, "stale.txt")), "the rerun did not see the killed run's partial file");
        var leftovers = await ChildProcess.RunAsync("docker", ["ps", "-aq", "--filter", "label=io.gadugi.execution=" + started.ExecutionId]);
        Assert.AreEqual(string.Empty, leftovers.Stdout.Trim(), "the killed run's sandbox is gone");
        var records = File.ReadAllLines(repo.AuditLog).Select(line => JsonDocument.Parse(line).RootElement).Where(r => r.GetProperty("id").GetString() == started.ExecutionId).Select(r => r.GetProperty("status").GetString()).ToList();
        CollectionAssert.AreEqual(new[] { "started", "abandoned" }, records);
        WorkflowRunnerTests.AssertJournalAndAuditMatchOneToOne(journal, repo.AuditLog, expectedSteps: 2);

        var status = await Support.Cli.RunAsync(repo.Root, environment, null, "workflow", "status", runId, "--json");
        Assert.AreEqual(0, status.ExitCode, status.ToString());
        using var summary = JsonDocument.Parse(status.Stdout);
        Assert.AreEqual("passed", summary.RootElement.GetProperty("status").GetString());
    }

    [TestMethod]
    public async Task A_second_resume_of_a_live_run_is_refused_with_its_code()
    {
        using var repo = new WorkflowRepo();
        var workflow = repo.Write("""
            version: 1
            policy_file: policies.yaml
            isolation: directory
            phases:
              - { id: p, policy: check, steps: [ { run: 'true' } ] }
            tasks:
              - { id: t }
            """);
        var result = await repo.Runner().RunAsync(workflow);
        var runDirectory = result.RunDirectory;

        // The run's owner holds its lock as a live process would.
        using var held = new FileStream(Path.Combine(runDirectory, "lock"), FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        var resumed = await Support.Cli.RunAsync(repo.Root, new Dictionary<string, string> { ["GADUGI_AUDIT_LOG"] = repo.AuditLog }, null, "workflow", "resume", result.RunId);

        Assert.AreEqual(125, resumed.ExitCode, resumed.ToString());
        StringAssert.Contains(resumed.Stderr, "GBX6021");
    }

    [TestMethod]
    public async Task Check_prints_located_coded_errors_and_matrix_groups_tasks_by_needs_level()
    {
        using var repo = new WorkflowRepo();
        repo.Write("""
            version: 1
            policy_file: policies.yaml
            phases:
              - { id: p, policy: check, steps: [ { run: 'true' } ] }
            tasks:
              - { id: a }
              - { id: b, needs: [a] }
              - { id: c }
              - { id: d, needs: [b, c] }
            """);

        var matrix = await Support.Cli.RunAsync(repo.Root, null, null, "workflow", "matrix", repo.WorkflowFile);

        Assert.AreEqual(0, matrix.ExitCode, matrix.ToString());
        Assert.AreEqual("""{"count":3,"levels":[{"task":["a","c"]},{"task":["b"]},{"task":["d"]}]}""", matrix.Stdout.Trim());

        File.WriteAllText(repo.WorkflowFile, """
            version: 1
            policy_file: policies.yaml
            phases:
              - { id: p, policy: nosuch, steps: [ { run: 'true' } ] }
            tasks:
              - { id: a, needs: [b] }
              - { id: b, needs: [a] }
            """);
        var check = await Support.Cli.RunAsync(repo.Root, null, null, "workflow", "check", repo.WorkflowFile);

        Assert.AreEqual(125, check.ExitCode, check.ToString());
        StringAssert.Contains(check.Stderr, $"{repo.WorkflowFile}(4,22): error GBX6007");
        StringAssert.Contains(check.Stderr, "GBX6009: The tasks' needs form a cycle: a → b → a.");
        Assert.IsFalse(Directory.Exists(Path.Combine(repo.Root, ".gadugi", "runs")), "nothing ran");
    }

    private static string RunIdOf(WorkflowRepo repo) => Path.GetFileName(Directory.GetDirectories(Path.Combine(repo.Root, ".gadugi", "runs")).Single());
}
