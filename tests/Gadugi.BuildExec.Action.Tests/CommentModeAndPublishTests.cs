using Gadugi.BuildExec.Action.Context;
using Gadugi.BuildExec.Action.Tests.Fakes;
using Gadugi.BuildExec.Action.Tests.Support;

namespace Gadugi.BuildExec.Action.Tests;

/// <summary>comment_mode and the publish-only mode, in process against the fake API (real sandboxes, real Octokit).</summary>
[TestClass]
public sealed class CommentModeAndPublishTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task Comment_mode_failures_writes_no_new_comment_for_a_passing_run_but_updates_an_earlier_one_and_off_writes_none()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var run = new ActionWorkspace(Events.PullRequest());
        using var console = new ConsoleCapture();

        Assert.AreEqual(0, await RunAsync(run, api, console, new() { ["run"] = "true", ["comment_mode"] = "failures" }), console.Text);
        Assert.IsEmpty(api.Comments, "nothing failed and there was no comment");
        Assert.HasCount(1, api.CheckRuns, "the check run is written whatever the comment mode");

        Assert.AreEqual(1, await RunAsync(run, api, console, new() { ["run"] = "exit 3", ["comment_mode"] = "failures" }));
        Assert.Contains("1 of 1 step failed", api.Comments.Single().Body);

        Assert.AreEqual(0, await RunAsync(run, api, console, new() { ["run"] = "true", ["comment_mode"] = "failures" }));
        Assert.Contains("1 step passed", api.Comments.Single().Body, "the earlier failure's comment is updated, never left stale");

        Assert.AreEqual(1, await RunAsync(run, api, console, new() { ["run"] = "exit 4", ["comment_mode"] = "off" }));
        Assert.Contains("1 step passed", api.Comments.Single().Body, "off touches no comment");
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task Publish_only_refuses_an_event_file_whose_pull_request_is_not_the_commit_the_workflow_run_built()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var source = new ActionWorkspace(Events.PullRequest(headRepository: "forker/sample"));
        using var console = new ConsoleCapture();
        Assert.AreEqual(1, await RunAsync(source, api, console, new() { ["run"] = "exit 2" }));
        var report = source.Outputs()["report_file"];

        using var publisher = new ActionWorkspace(Events.WorkflowRun(headSha: "ffffffffffffffffffffffffffffffffffffffff"), eventName: "workflow_run");
        publisher.WriteFile("a/report.json", File.ReadAllText(report));
        publisher.WriteFile("a/event.json", Events.PullRequest(number: 8, headRepository: "forker/sample"));

        var exit = await RunAsync(publisher, api, console, new() { ["result_file"] = "a/report.json", ["event_file"] = "a/event.json" });

        Assert.AreEqual(1, exit);
        Assert.Contains("GBX5033", console.Text);
        Assert.IsEmpty(api.Writes);

        using var publisher2 = new ActionWorkspace(Events.WorkflowRun(), eventName: "workflow_run");
        publisher2.WriteFile("a/report.json", "not json");
        publisher2.WriteFile("a/event.json", Events.PullRequest(headRepository: "forker/sample"));
        Assert.AreEqual(1, await RunAsync(publisher2, api, console, new() { ["result_file"] = "a/report.json", ["event_file"] = "a/event.json" }));
        Assert.Contains("GBX5034", console.Text);
        Assert.IsEmpty(api.Writes);
    }

    private Task<int> RunAsync(ActionWorkspace run, FakeGitHubApi api, ConsoleCapture console, Dictionary<string, string> inputs)
    {
        var environment = new ActionEnvironment(run.Environment(api.ApiUrl, api.Token, inputs, workspaceInside: run.Workspace));
        return new ActionRunner(environment, console.Console).RunAsync(TestContext.CancellationToken);
    }
}
