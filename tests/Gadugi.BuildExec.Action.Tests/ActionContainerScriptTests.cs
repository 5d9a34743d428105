using Gadugi.BuildExec.Action.Tests.Fakes;
using Gadugi.BuildExec.Action.Tests.Support;

namespace Gadugi.BuildExec.Action.Tests;

/// <summary>The runner's way (docker run, the /github mounts, the socket, the fake API): run as one script, test results, publish-only.</summary>
public sealed partial class ActionContainerTests
{
    /// <summary>What a GitHub user writes in 'run: |': state that spans lines.</summary>
    internal const string MultiLineScript = """
        cd src
        if [ "$(basename "$PWD")" = src ]; then
          echo "cd held: in $(basename "$PWD")"
        else
          echo "cd lost"
        fi
        total=0
        for n in 1 2 3 \
                 4; do
          total=$((total + n))
        done
        echo "total $total"
        cat <<EOF
        heredoc says $GREETING
        EOF
        cd ..
        mkdir -p tests/TestResults reports
        cp fixtures/run.trx tests/TestResults/Sample.Tests-net10.0.trx
        cp fixtures/junit.xml reports/junit.xml
        false
        echo "not reached: bash -e stops at the first failing command"
        """;

    internal const string Trx = """
        <?xml version="1.0" encoding="utf-8"?>
        <TestRun id="1" name="run" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
          <Results>
            <UnitTestResult testName="Sample.Tests.MathTests.Adds" outcome="Failed">
              <Output><ErrorInfo>
                <Message>Assert.AreEqual failed. Expected:&lt;4&gt;. Actual:&lt;5&gt;.</Message>
                <StackTrace>   at Sample.Tests.MathTests.Adds() in /workspace/tests/MathTests.cs:line 12</StackTrace>
              </ErrorInfo></Output>
            </UnitTestResult>
            <UnitTestResult testName="Sample.Tests.MathTests.Subtracts" outcome="Passed" />
            <UnitTestResult testName="Sample.Tests.MathTests.Later" outcome="NotExecuted" />
          </Results>
          <ResultSummary outcome="Failed"><Counters total="3" executed="2" passed="1" failed="1" /></ResultSummary>
        </TestRun>
        """;

    internal const string JUnit = """
        <?xml version="1.0" encoding="utf-8"?>
        <testsuites>
          <testsuite name="pytest" tests="2" failures="1">
            <testcase classname="tests.test_math" name="test_div" file="tests/test_math.py" line="7">
              <failure message="ZeroDivisionError: division by zero">Traceback ...</failure>
            </testcase>
            <testcase classname="tests.test_math" name="test_mul" file="tests/test_math.py" line="3" />
          </testsuite>
        </testsuites>
        """;

    internal static void WriteScriptRepository(ActionWorkspace run)
    {
        run.WriteFile("src/.keep", string.Empty);
        run.WriteFile("tests/MathTests.cs", "class MathTests { }\n");
        run.WriteFile("tests/test_math.py", "def test_div(): 1 / 0\n");
        run.WriteFile("fixtures/run.trx", Trx);
        run.WriteFile("fixtures/junit.xml", JUnit);
        run.WriteFile(".github/gadugi.yml", "policies:\n  tests: { image: gadugi/shell:5.2, workspace: rw, env: [GREETING], timeout: 10m }\n");

        // The sandbox runs as uid 10001: where it writes, the checkout must let it (as a workflow would with chmod).
        foreach (var directory in new[] { run.Workspace, Path.Combine(run.Workspace, "tests") })
        {
            if (OperatingSystem.IsLinux())
            {
                File.SetUnixFileMode(directory, (UnixFileMode)0x1FF);
            }
        }
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public async Task A_multi_line_run_block_is_one_script_and_the_test_results_it_leaves_become_annotations_and_comment_rows()
    {
        await using var api = await FakeGitHubApi.StartAsync(token: "ghs_" + Guid.NewGuid().ToString("N"));
        using var run = new ActionWorkspace(Events.PullRequest());
        WriteScriptRepository(run);
        var before = await ManagedContainersAsync();

        var outcome = await RunActionAsync(
            run,
            api,
            new() { ["run"] = MultiLineScript, ["policy"] = "tests", ["policy_file"] = ".github/gadugi.yml", ["env"] = "GREETING", ["timeout"] = "5m", ["test_results"] = "reports/*.xml" },
            new Dictionary<string, string> { ["GREETING"] = "hello from the step's env" });

        Assert.AreEqual(1, outcome.ExitCode, outcome.Output);
        Assert.Contains("cd held: in src\n", outcome.Stdout);
        Assert.Contains("total 10\n", outcome.Stdout);
        Assert.Contains("heredoc says hello from the step's env\n", outcome.Stdout);
        Assert.DoesNotContain("not reached", outcome.Stdout);
        var records = ReadAudit(run);
        Assert.HasCount(1, records, "one sandbox for the whole block");
        Assert.AreEqual("1", run.Outputs()["exit_code"]);

        Assert.Contains("::error file=tests/MathTests.cs,line=12,title=Test failed%3A Sample.Tests.MathTests.Adds::Assert.AreEqual failed. Expected:<4>. Actual:<5>.", outcome.Stdout);
        Assert.Contains("::error file=tests/test_math.py,line=7,title=Test failed%3A tests.test_math.test_div::ZeroDivisionError: division by zero", outcome.Stdout);
        Assert.Contains("5 tests: 2 passed, 2 failed, 1 skipped", run.Summary);

        var comment = api.Comments.Single().Body;
        Assert.Contains("5 tests: 2 passed, 2 failed, 1 skipped in 2 result file(s)", comment);
        Assert.Contains("| <code>Sample.Tests.MathTests.Adds</code> | Assert.AreEqual failed. Expected:&lt;4&gt;. Actual:&lt;5&gt;. | <code>tests/MathTests.cs:12</code> |", comment);
        Assert.Contains("| <code>tests.test_math.test_div</code> | ZeroDivisionError: division by zero | <code>tests/test_math.py:7</code> |", comment);
        var checkRun = api.CheckRuns.Single();
        Assert.AreEqual("failure", checkRun.Conclusion);
        var annotations = checkRun.Annotations.Select(a => (a["path"]!.GetValue<string>(), a["start_line"]!.GetValue<int>(), a["title"]!.GetValue<string>())).ToArray();
        CollectionAssert.AreEquivalent(
            new[] { ("tests/MathTests.cs", 12, "Test failed: Sample.Tests.MathTests.Adds"), ("tests/test_math.py", 7, "Test failed: tests.test_math.test_div") },
            annotations);
        await AssertNothingLeftAsync(before, outcome.ContainerName, records);
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public async Task A_fork_pull_requests_report_is_published_by_a_workflow_run_workflow_with_its_token()
    {
        await using var api = await FakeGitHubApi.StartAsync(token: "ghs_" + Guid.NewGuid().ToString("N"));
        using var fork = new ActionWorkspace(Events.PullRequest(headRepository: "forker/sample"));
        WriteScriptRepository(fork);
        api.AddFile(Events.Repository, ".github/gadugi.yml", Events.BaseSha, File.ReadAllText(Path.Combine(fork.Workspace, ".github/gadugi.yml")));
        var before = await ManagedContainersAsync();

        var pullRequestRun = await RunActionAsync(fork, api, new() { ["run"] = MultiLineScript, ["policy"] = "tests", ["policy_file"] = ".github/gadugi.yml", ["test_results"] = "reports/*.xml" });

        Assert.AreEqual(1, pullRequestRun.ExitCode, pullRequestRun.Output);
        Assert.IsEmpty(api.Writes, "the fork's run writes nothing to GitHub");
        var reportOnHost = fork.Outputs()["report_file"];
        Assert.AreEqual(Path.Combine(fork.Home, "gadugi", "report-gadugi.json"), reportOnHost, "the path a later step of the job uploads");
        await AssertNothingLeftAsync(before, pullRequestRun.ContainerName, ReadAudit(fork));

        // The workflow_run workflow: the artifact (report and event payload) downloaded into its workspace.
        using var publisher = new ActionWorkspace(Events.WorkflowRun(), eventName: "workflow_run");
        publisher.WriteFile("artifact/report.json", File.ReadAllText(reportOnHost));
        publisher.WriteFile("artifact/event.json", Events.PullRequest(headRepository: "forker/sample"));

        var publish = await RunActionAsync(publisher, api, new() { ["result_file"] = "artifact/report.json", ["event_file"] = "artifact/event.json" });

        Assert.AreEqual(0, publish.ExitCode, publish.Output);
        var comment = api.Comments.Single();
        Assert.AreEqual(7, comment.Issue);
        Assert.StartsWith("<!-- gadugi-buildexec:gadugi -->\n### ❌ Gadugi BuildExec · gadugi: 1 of 1 step failed, 2 of 5 tests failed", comment.Body);
        Assert.Contains("| <code>tests.test_math.test_div</code> |", comment.Body);
        var checkRun = api.CheckRuns.Single();
        Assert.AreEqual(Events.HeadSha, checkRun.HeadSha);
        Assert.AreEqual("failure", checkRun.Conclusion);
        Assert.HasCount(2, checkRun.Annotations);
    }
}
