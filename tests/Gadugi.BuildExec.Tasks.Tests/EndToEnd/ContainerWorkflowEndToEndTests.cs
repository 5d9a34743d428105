namespace Gadugi.BuildExec.Tasks.Tests.EndToEnd;

/// <summary>
/// &lt;ContainerWorkflow&gt; from the packed package, in a project made with 'dotnet new' and built
/// with 'dotnet build' on the real engine: its outputs reach the project, a failed phase is a coded
/// build error that fails the build.
/// </summary>
[TestClass]
[DoNotParallelize]
[TestCategory("EndToEnd")]
public sealed class ContainerWorkflowEndToEndTests
{
    [TestMethod]
    public async Task A_passing_workflow_hands_its_run_id_and_summary_to_the_project_and_its_records_carry_the_run()
    {
        var solution = await SampleSolution.GetAsync();

        var result = await solution.DotnetAsync(solution.Tool, "build", "--no-restore", "-tl:off", "-v:n", "-p:RunWorkflow=passing");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        var (runId, summary, failed, _) = Outputs(result.Output);
        Assert.IsFalse(string.IsNullOrEmpty(runId), result.Output);
        Assert.AreEqual(Path.Combine(solution.Tool, ".gadugi", "runs", runId, "summary.md"), summary);
        StringAssert.Contains(File.ReadAllText(summary), "| task | build | check |");
        Assert.AreEqual(string.Empty, failed);
        var records = solution.AuditRecords().Where(record => record.TryGetProperty("tags", out var tags) && tags.GetProperty("workflow.run").GetString() == runId).ToList();
        var completed = records.Where(record => record.GetProperty("status").GetString() == "completed").Select(record => record.GetProperty("id").GetString()).ToList();
        Assert.HasCount(4, completed.Distinct(), "two tasks × two phases, one sandboxed step each, tagged with the run");
        Assert.IsTrue(records.All(record => record.GetProperty("who").GetProperty("caller").GetString() == "msbuild"));
        Assert.IsEmpty(await solution.LeftoverContainersAsync());
    }

    [TestMethod]
    public async Task A_failed_phase_fails_the_build_with_a_coded_error_and_names_the_phase_in_FailedPhases()
    {
        var solution = await SampleSolution.GetAsync();

        var result = await solution.DotnetAsync(solution.Tool, "build", "--no-restore", "-tl:off", "-v:n", "-p:RunWorkflow=failing");

        Assert.AreNotEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Output, "error GBX4070:");
        StringAssert.Contains(result.Output, "'bad', phase 'build' failed: step step1 exited 4");
        StringAssert.Contains(result.Output, "error GBX4071:");
        var (runId, summary, failed, logs) = Outputs(result.Output);
        Assert.AreEqual("bad/build", failed, "FailedPhases reached the project even though the task failed");
        Assert.AreEqual(Path.Combine(solution.Tool, ".gadugi", "runs", runId, "tasks", "bad", "build", "log.txt"), logs, "the item's Log metadata");
        StringAssert.Contains(File.ReadAllText(logs), "broken-in-bad");
        Assert.IsTrue(File.Exists(summary), summary);
        StringAssert.Contains(summary, runId);
        Assert.IsEmpty(await solution.LeftoverContainersAsync());
    }

    /// <summary>What the sample's target printed of the task's outputs.</summary>
    private static (string RunId, string Summary, string Failed, string Logs) Outputs(string output)
    {
        var line = output.Split('\n').Last(l => l.Contains("workflow run=", StringComparison.Ordinal)).Trim();
        string Between(string start, string end)
        {
            var from = line.IndexOf(start, StringComparison.Ordinal) + start.Length;
            return line[from..line.IndexOf(end, from, StringComparison.Ordinal)];
        }

        return (Between("run=", " "), Between("summary=", " failed="), Between("failed=[", "]"), Between("logs=[", "]"));
    }
}
