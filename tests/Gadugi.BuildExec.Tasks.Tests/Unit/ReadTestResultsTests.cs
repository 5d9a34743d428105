using Gadugi.BuildExec.Tasks.Tests.Support;

namespace Gadugi.BuildExec.Tasks.Tests.Unit;

/// <summary>ReadTestResults through MSBuild's task API (and the private load context) with a recording engine.</summary>
[TestClass]
public sealed class ReadTestResultsTests
{
    private const string PassingRun = """
        <?xml version="1.0" encoding="utf-8"?>
        <TestRun id="1" name="run" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
          <Results>
            <UnitTestResult testName="Adds" outcome="Passed" />
            <UnitTestResult testName="Ignored" outcome="NotExecuted" />
          </Results>
          <ResultSummary outcome="Completed">
            <Counters total="2" executed="1" passed="1" failed="0" error="0" timeout="0" aborted="0" inconclusive="0" notExecuted="1" />
          </ResultSummary>
        </TestRun>
        """;

    private string _directory = null!;

    [TestInitialize]
    public void CreateDirectory()
    {
        _directory = Path.Combine(Path.GetTempPath(), "gbx-trx-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
    }

    [TestCleanup]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    private (ReadTestResults Task, RecordingBuildEngine Engine) NewTask(string? trx, int exitCode, string? killReason = null)
    {
        var path = Path.Combine(_directory, "Unit-net10.0.trx");
        if (trx is not null)
        {
            File.WriteAllText(path, trx);
        }

        var engine = new RecordingBuildEngine(Path.Combine(_directory, "Unit.csproj"));
        return (new ReadTestResults { BuildEngine = engine.Engine, ProjectName = "Unit (net10.0)", TrxFile = path, ExitCode = exitCode, KillReason = killReason }, engine);
    }

    [TestMethod]
    public void A_passing_run_logs_the_summary_and_sets_the_counts()
    {
        var (task, engine) = NewTask(PassingRun, exitCode: 0);

        Assert.IsTrue(task.Execute(), engine.Log);

        Assert.IsEmpty(engine.Errors, engine.Log);
        Assert.AreEqual((2, 1, 0, 1), (task.Total, task.Passed, task.Failed, task.Skipped));
        Assert.IsTrue(engine.Messages.Any(m => m.Message!.StartsWith("Containerized test run of Unit (net10.0): 1 passed, 0 failed, 1 skipped, 2 total.", StringComparison.Ordinal)), engine.Log);
    }

    [TestMethod]
    public void Failed_tests_are_GBX4010_and_come_back_as_items()
    {
        var (task, engine) = NewTask(TrxSummaryTests.FailingRun, exitCode: 1);

        Assert.IsFalse(task.Execute());

        var error = engine.Errors.Single();
        Assert.AreEqual("GBX4010", error.Code, engine.Log);
        StringAssert.Contains(error.Message, "1 of 3 test(s) failed in the sandbox for Unit (net10.0): Divides.");
        Assert.AreEqual("Divides", task.FailedTests.Single().ItemSpec);
        StringAssert.StartsWith(task.FailedTests.Single().GetMetadata("Message"), "Assert.AreEqual failed.");
    }

    [TestMethod]
    public void No_results_after_a_normal_exit_is_GBX4011()
    {
        var (task, engine) = NewTask(trx: null, exitCode: 1);

        Assert.IsFalse(task.Execute());

        var error = engine.Errors.Single();
        Assert.AreEqual("GBX4011", error.Code, engine.Log);
        StringAssert.Contains(error.Message, "The containerized test run of Unit (net10.0) exited with code 1 and wrote no test results");
    }

    [TestMethod]
    public void A_non_zero_exit_without_failed_tests_is_GBX4012()
    {
        var (task, engine) = NewTask(PassingRun, exitCode: 3);

        Assert.IsFalse(task.Execute());

        var error = engine.Errors.Single();
        Assert.AreEqual("GBX4012", error.Code, engine.Log);
        StringAssert.Contains(error.Message, "exited with code 3 although no test failed");
        Assert.AreEqual(1, task.Passed, "the counts are still read");
    }

    [TestMethod]
    [DataRow("timeout")]
    [DataRow("oom")]
    [DataRow("cancelled")]
    public void After_a_kill_neither_missing_results_nor_the_exit_code_add_an_error(string killReason)
    {
        var (withoutResults, engine1) = NewTask(trx: null, exitCode: 137, killReason);
        Assert.IsTrue(withoutResults.Execute(), engine1.Log);
        Assert.IsEmpty(engine1.Errors, "ContainerExec already reported the kill (GBX4002/4003/4005)");

        var (withResults, engine2) = NewTask(PassingRun, exitCode: 137, killReason);
        Assert.IsTrue(withResults.Execute(), engine2.Log);
        Assert.IsEmpty(engine2.Errors, engine2.Log);
        Assert.AreEqual(1, withResults.Passed);
    }

    [TestMethod]
    public void Failed_tests_still_fail_a_killed_run()
    {
        var (task, engine) = NewTask(TrxSummaryTests.FailingRun, exitCode: 137, killReason: "timeout");

        Assert.IsFalse(task.Execute());

        Assert.AreEqual("GBX4010", engine.Errors.Single().Code, engine.Log);
    }
}
