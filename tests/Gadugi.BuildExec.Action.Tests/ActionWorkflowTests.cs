using Gadugi.BuildExec.Action.Context;
using Gadugi.BuildExec.Action.Tests.Fakes;
using Gadugi.BuildExec.Action.Tests.Support;

namespace Gadugi.BuildExec.Action.Tests;

/// <summary>The action's workflow: input in this process, real sandboxes, real Octokit against the fake API.</summary>
[TestClass]
public sealed class ActionWorkflowTests
{
    private const string Workflow = """
        version: 1
        isolation: directory
        phases:
          - { id: build, policy: shell, steps: [ { run: 'echo building $GADUGI_TASK' } ] }
          - id: testing
            policy: shell
            steps:
              - run: '[ "$GADUGI_TASK" != b ] || { echo "assertion failed in b" >&2; exit 3; }'
        tasks:
          - { id: a }
          - { id: b }
          - { id: c, needs: [b] }
        """;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task A_workflow_reports_its_task_by_phase_table_in_the_summary_the_comment_and_the_check_run()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var run = new ActionWorkspace(Events.PullRequest());
        using var console = new ConsoleCapture();
        run.WriteFile(".gadugi/workflow.yaml", Workflow);

        var exit = await RunAsync(run, api, console, new() { ["workflow"] = ".gadugi/workflow.yaml", ["max_parallel"] = "2" });

        Assert.AreEqual(1, exit, console.Text);
        foreach (var text in new[] { run.Summary, api.Comments.Single().Body, api.CheckRuns.Single().Summary! })
        {
            Assert.Contains("| task | build | testing |", text);
            Assert.Contains("| c (blocked by b/testing) |", text);
            Assert.Contains("assertion failed in b", text, "the failing phase's last lines");
            Assert.Contains("Audit chain: OK: 8 record(s), chain intact", text);
        }

        Assert.AreEqual("failure", api.CheckRuns.Single().Conclusion);
        Assert.AreEqual("1", run.Outputs()["exit_code"]);
    }

    [TestMethod]
    public async Task Run_and_workflow_together_are_a_coded_error_and_nothing_runs()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var run = new ActionWorkspace(Events.PullRequest());
        using var console = new ConsoleCapture();
        run.WriteFile(".gadugi/workflow.yaml", Workflow);

        var exit = await RunAsync(run, api, console, new() { ["workflow"] = ".gadugi/workflow.yaml", ["run"] = "make" });

        Assert.AreEqual(1, exit, console.Text);
        Assert.Contains("GBX5070", console.Text);
        Assert.IsEmpty(api.CheckRuns);
    }

    private Task<int> RunAsync(ActionWorkspace run, FakeGitHubApi api, ConsoleCapture console, Dictionary<string, string> inputs)
    {
        var environment = new ActionEnvironment(run.Environment(api.ApiUrl, api.Token, inputs, workspaceInside: run.Workspace));
        return new ActionRunner(environment, console.Console).RunAsync(TestContext.CancellationToken);
    }
}
