using Gadugi.BuildExec.Action.Context;
using Gadugi.BuildExec.Action.GitHub;
using Gadugi.BuildExec.Action.Reporting;
using Gadugi.BuildExec.Action.Running;
using Gadugi.BuildExec.Action.Tests.Fakes;
using Gadugi.BuildExec.Action.Tests.Support;

namespace Gadugi.BuildExec.Action.Tests;

/// <summary>The reporter through Octokit's real HTTP stack against the local fake GitHub API.</summary>
[TestClass]
public sealed class GitHubReporterTests
{
    private const int PullRequest = 7;

    private static readonly GitHubRetryOptions FastRetry = new()
    {
        MaxRetries = 3,
        SecondaryLimitWait = TimeSpan.FromMilliseconds(20),
        TransientWait = TimeSpan.FromMilliseconds(20),
    };

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task First_run_creates_the_comment_and_the_next_run_updates_it_found_on_a_later_page()
    {
        await using var api = await FakeGitHubApi.StartAsync(maxPageSize: 30);
        api.SeedComments(PullRequest, 70);
        using var console = new ConsoleCapture();

        var first = await ReportAsync(api, console, Reports.Of(Reports.Passed(1, "make build")));
        api.SeedComments(PullRequest, 5, "reviewer");
        var second = await ReportAsync(api, console, Reports.Of(Reports.Passed(1, "make build"), Reports.Failed(2, "make test", 2, ["boom"])));

        Assert.IsTrue(first.Comment!.Created);
        Assert.IsFalse(second.Comment!.Created);
        Assert.AreEqual(first.Comment.CommentId, second.Comment.CommentId);
        var ours = api.Comments.Where(comment => comment.Body.StartsWith("<!-- gadugi-buildexec:gadugi -->", StringComparison.Ordinal)).ToList();
        Assert.HasCount(1, ours);
        Assert.AreEqual(1, ours[0].Updates);
        Assert.Contains("1 of 2 steps failed", ours[0].Body);
        Assert.Contains("<code>make test</code>", ours[0].Body);
        var listings = api.Requests.Where(request => request.Method == "GET" && request.Path.EndsWith("/issues/7/comments", StringComparison.Ordinal)).ToList();
        Assert.IsTrue(listings.Any(request => request.Query.Contains("page=3", StringComparison.Ordinal)), "the action's comment sits on page 3: the reporter must follow the Link headers");
        Assert.HasCount(1, api.Writes.Where(request => request.Method == "POST" && request.Path.EndsWith("/comments", StringComparison.Ordinal)).ToList());
        Assert.HasCount(1, api.Writes.Where(request => request.Method == "PATCH" && request.Path.Contains("/issues/comments/", StringComparison.Ordinal)).ToList());
    }

    [TestMethod]
    public async Task A_marker_quoted_inside_another_comment_is_not_taken_for_the_sticky_comment()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var console = new ConsoleCapture();
        api.SeedComments(PullRequest, 1);
        await ReportAsync(api, console, Reports.Of(Reports.Failed(1, "cat log", 1, ["<!-- gadugi-buildexec:gadugi -->"])));

        var second = await ReportAsync(api, console, Reports.Of(Reports.Passed(1, "cat log")));

        Assert.IsFalse(second.Comment!.Created);
        Assert.HasCount(1, api.Comments.Where(comment => comment.Body.Contains("gadugi-buildexec", StringComparison.Ordinal)).ToList());
    }

    [TestMethod]
    public async Task The_check_run_carries_every_annotation_in_batches_of_50()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var console = new ConsoleCapture();
        var report = Reports.Of(Reports.Passed(1, "lint"), Reports.Failed(2, "dotnet build", 1, ["error"])) with { Annotations = Reports.Annotations(120) };

        var outcome = await ReportAsync(api, console, report);

        Assert.AreEqual(3, outcome.CheckRun!.Requests);
        var run = api.CheckRuns.Single();
        Assert.AreEqual("gadugi", run.Name);
        Assert.AreEqual(Events.HeadSha, run.HeadSha, "check runs go on the pull request's head commit, not the merge commit");
        Assert.AreEqual("completed", run.Status);
        Assert.AreEqual("failure", run.Conclusion);
        CollectionAssert.AreEqual(new[] { 50, 50, 20 }, run.AnnotationBatches);
        Assert.HasCount(120, run.Annotations);
        var first = run.Annotations[0];
        Assert.AreEqual("src/File1.cs", first["path"]!.GetValue<string>());
        Assert.AreEqual(1, first["start_line"]!.GetValue<int>());
        Assert.AreEqual("failure", first["annotation_level"]!.GetValue<string>());
        Assert.AreEqual("warning", run.Annotations[2]["annotation_level"]!.GetValue<string>());
        Assert.AreEqual("problem 1", first["message"]!.GetValue<string>());
        Assert.AreEqual("1 of 2 steps failed", run.Title);
        Assert.Contains("| 2 | <code>dotnet build</code> |", run.Summary!);
        var writes = api.Writes.Where(request => request.Path.Contains("check-runs", StringComparison.Ordinal)).Select(request => request.Method).ToArray();
        CollectionAssert.AreEqual(new[] { "POST", "PATCH", "PATCH" }, writes);
    }

    [TestMethod]
    public async Task A_passing_run_concludes_success_without_annotations()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var console = new ConsoleCapture();

        await ReportAsync(api, console, Reports.Of(Reports.Passed(1, "true")));

        var run = api.CheckRuns.Single();
        Assert.AreEqual("success", run.Conclusion);
        Assert.IsEmpty(run.Annotations);
        Assert.AreEqual("1 step passed", run.Title);
    }

    [TestMethod]
    public async Task A_pull_request_from_a_fork_gets_no_request_at_all()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var console = new ConsoleCapture();
        var payload = EventPayloadFrom(Events.PullRequest(headRepository: "forker/sample"));

        var outcome = await ReportAsync(api, console, Reports.Of(Reports.Passed(1, "true")), payload: payload);

        Assert.IsEmpty(api.Requests);
        Assert.AreEqual("GBX5010", outcome.Problems.Single().Code);
        Assert.Contains("::warning title=GBX5010::GBX5010: Pull request #7 comes from the fork 'forker/sample'", console.Text);
    }

    [TestMethod]
    public async Task Forbidden_is_a_coded_warning_that_never_shows_the_token()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var console = new ConsoleCapture();
        api.FailNext("POST", "/repos/octo/sample/check-runs", 403, "Resource not accessible by integration", echoAuthorization: true);

        var outcome = await ReportAsync(api, console, Reports.Of(Reports.Failed(1, "make", 2, ["x"])));

        var problem = outcome.Problems.Single();
        Assert.AreEqual("GBX5012", problem.Code);
        Assert.Contains("permissions: checks: write", problem.Text);
        Assert.Contains("Resource not accessible by integration", problem.Text);
        Assert.IsNotNull(outcome.Comment, "the comment is independent of the failed check run");
        Assert.IsNull(outcome.CheckRun);
        Assert.Contains("::warning title=GBX5012::GBX5012: GitHub refused to publish the check run 'gadugi'", console.Text);
        Assert.DoesNotContain(api.Token, console.Text);
        Assert.Contains("***", console.Text, "the echoed token is masked, not dropped silently");
        Assert.HasCount(1, api.Requests.Where(request => request.Path.EndsWith("/check-runs", StringComparison.Ordinal)).ToList(), "a permission error is not retried");
    }

    [TestMethod]
    public async Task Not_found_is_a_coded_warning_naming_the_api_url()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var console = new ConsoleCapture();
        api.FailNext("GET", "/repos/octo/sample/issues/7/comments", 404, "Not Found");

        var outcome = await ReportAsync(api, console, Reports.Of(Reports.Passed(1, "true")));

        var problem = outcome.Problems.Single();
        Assert.AreEqual("GBX5013", problem.Code);
        Assert.Contains(api.ApiUrl, problem.Text);
        Assert.IsNotNull(outcome.CheckRun);
    }

    [TestMethod]
    public async Task A_secondary_rate_limit_is_retried_after_Retry_After_and_then_succeeds()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var console = new ConsoleCapture();
        api.FailNext("POST", "/repos/octo/sample/issues/7/comments", 403,
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
            new Dictionary<string, string> { ["Retry-After"] = "1" });

        var outcome = await ReportAsync(api, console, Reports.Of(Reports.Passed(1, "true")));

        Assert.IsEmpty(outcome.Problems);
        Assert.IsTrue(outcome.Comment!.Created);
        var posts = api.Requests.Where(request => request.Method == "POST" && request.Path.EndsWith("/issues/7/comments", StringComparison.Ordinal)).Select(request => request.Status).ToArray();
        CollectionAssert.AreEqual(new[] { 403, 201 }, posts);
        Assert.Contains("retrying to update the comment on pull request #7 in 1 s (attempt 2)", console.Text);
        Assert.HasCount(1, api.Comments);
    }

    [TestMethod]
    public async Task Too_many_requests_is_retried_too()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var console = new ConsoleCapture();
        api.FailNext("POST", "/repos/octo/sample/check-runs", 429, "Too many requests", new Dictionary<string, string> { ["Retry-After"] = "0" }, times: 2);

        var outcome = await ReportAsync(api, console, Reports.Of(Reports.Passed(1, "true")));

        Assert.IsEmpty(outcome.Problems);
        Assert.HasCount(1, api.CheckRuns);
        Assert.HasCount(3, api.Requests.Where(request => request.Method == "POST" && request.Path.EndsWith("/check-runs", StringComparison.Ordinal)).ToList());
    }

    [TestMethod]
    public async Task A_rate_limit_that_does_not_lift_gives_up_with_GBX5014()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var console = new ConsoleCapture();
        api.FailNext("POST", "/repos/octo/sample/check-runs", 403, "You have exceeded a secondary rate limit.", new Dictionary<string, string> { ["Retry-After"] = "0" }, times: 10);

        var outcome = await ReportAsync(api, console, Reports.Of(Reports.Passed(1, "true")));

        var problem = outcome.Problems.Single();
        Assert.AreEqual("GBX5014", problem.Code);
        Assert.Contains("after 4 attempt(s)", problem.Text);
        Assert.HasCount(4, api.Requests.Where(request => request.Method == "POST" && request.Path.EndsWith("/check-runs", StringComparison.Ordinal)).ToList());
    }

    [TestMethod]
    public async Task An_enterprise_server_api_url_is_used_with_its_path()
    {
        await using var api = await FakeGitHubApi.StartAsync(pathBase: "/api/v3");
        using var console = new ConsoleCapture();

        var outcome = await ReportAsync(api, console, Reports.Of(Reports.Passed(1, "true")));

        Assert.IsEmpty(outcome.Problems);
        Assert.IsNotEmpty(api.Requests);
        Assert.IsTrue(api.Requests.All(request => request.Path.StartsWith("/api/v3/repos/octo/sample/", StringComparison.Ordinal)), string.Join(", ", api.Requests.Select(request => request.Path)));
    }

    [TestMethod]
    public async Task An_api_at_the_server_root_is_not_rewritten_to_api_v3()
    {
        // GHE.com and this fake serve the API at the root; Octokit's own Uri constructor would add /api/v3/.
        await using var api = await FakeGitHubApi.StartAsync(pathBase: string.Empty);
        using var console = new ConsoleCapture();

        var outcome = await ReportAsync(api, console, Reports.Of(Reports.Passed(1, "true")));

        Assert.IsEmpty(outcome.Problems, console.Text);
        Assert.IsTrue(api.Requests.All(request => request.Path.StartsWith("/repos/octo/sample/", StringComparison.Ordinal)));
        Assert.HasCount(1, api.Comments);
        Assert.HasCount(1, api.CheckRuns);
    }

    [TestMethod]
    public async Task A_push_gets_a_check_run_on_GITHUB_SHA_and_no_comment()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var console = new ConsoleCapture();

        var outcome = await ReportAsync(api, console, Reports.Of(Reports.Passed(1, "true")), payload: EventPayloadFrom(Events.Push()));

        Assert.IsNull(outcome.Comment);
        Assert.AreEqual(Events.MergeSha, api.CheckRuns.Single().HeadSha);
        Assert.IsFalse(api.Requests.Any(request => request.Path.Contains("/issues/", StringComparison.Ordinal)));
    }

    [TestMethod]
    public async Task Without_a_token_nothing_is_sent()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var console = new ConsoleCapture();

        var outcome = await ReportAsync(api, console, Reports.Of(Reports.Passed(1, "true")), token: null);

        Assert.IsEmpty(api.Requests);
        Assert.AreEqual("GBX5011", outcome.Problems.Single().Code);
    }

    [TestMethod]
    public async Task A_wrong_token_is_reported_without_showing_it()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var console = new ConsoleCapture();
        const string wrong = "ghs_wrongTokenWrongTokenWrongToken";

        var outcome = await ReportAsync(api, console, Reports.Of(Reports.Passed(1, "true")), token: wrong);

        Assert.IsTrue(outcome.Problems.All(problem => problem.Code == "GBX5015"), string.Join("\n", outcome.Problems));
        Assert.Contains("Bad credentials", outcome.Problems[0].Text);
        Assert.DoesNotContain(wrong, console.Text);
    }

    private static EventPayload EventPayloadFrom(string json)
    {
        using var directory = new TempDirectory();
        return EventPayload.Read(directory.WriteFile("event.json", json));
    }

    private async Task<ReportingOutcome> ReportAsync(FakeGitHubApi api, ConsoleCapture console, RunReport report, EventPayload? payload = null, string? token = "")
    {
        token = token == string.Empty ? api.Token : token;
        console.Console.Redactor.Add(token);
        var inputs = new ActionInputs { Run = "true", Policy = "shell", WorkingDirectory = ".", CheckName = "gadugi", Comment = true, GitHubToken = token };
        var context = new GitHubContext { Repository = Events.Repository, Sha = Events.MergeSha, Workspace = "/tmp", ApiUrl = api.ApiUrl, RunId = "42" };
        var plan = ReportingPlan.Decide(inputs, context, payload ?? EventPayloadFrom(Events.PullRequest()));
        var links = new ReportLinks(plan.CheckRunSha, context.RunUrl);
        var checkRun = plan.CheckRunSha is { } sha
            ? new CheckRunContent
            {
                Owner = "octo",
                Repository = "sample",
                Name = inputs.CheckName,
                HeadSha = sha,
                Failed = report.Failed,
                Title = report.Headline,
                Summary = MarkdownReport.Build(report, Reports.Policy, ReportTarget.CheckRun, links),
                Annotations = report.Annotations,
            }
            : null;
        var content = new PullRequestReport(MarkdownReport.Marker("gadugi"), MarkdownReport.Build(report, Reports.Policy, ReportTarget.Comment, links), checkRun);
        return await new GitHubReporter(console.Console, FastRetry).ReportAsync(plan, api.ApiUrl, token, content, TestContext.CancellationToken);
    }
}
