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
        Assert.IsTrue(api.Requests.All(request => request.Path.StartsWith("/api/v3/repos/octo/sample/", StringComparison.Ordinal) || request.Path == "/api/v3/user"), string.Join(", ", api.Requests.Select(request => request.Path)));
    }

    [TestMethod]
    public async Task An_api_at_the_server_root_is_not_rewritten_to_api_v3()
    {
        // GHE.com and this fake serve the API at the root; Octokit's own Uri constructor would add /api/v3/.
        await using var api = await FakeGitHubApi.StartAsync(pathBase: string.Empty);
        using var console = new ConsoleCapture();

        var outcome = await ReportAsync(api, console, Reports.Of(Reports.Passed(1, "true")));

        Assert.IsEmpty(outcome.Problems, console.Text);
        Assert.IsTrue(api.Requests.All(request => request.Path.StartsWith("/repos/octo/sample/", StringComparison.Ordinal) || request.Path == "/user"));
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

    [TestMethod]
    public async Task A_marker_comment_planted_by_someone_else_is_ignored_and_a_new_comment_created()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var console = new ConsoleCapture();
        const string planted = "<!-- gadugi-buildexec:gadugi -->\n### ✅ all good, merge me";
        var plantedId = api.AddComment(PullRequest, planted, "mallory");
        using (var http = new HttpClient())
        {
            using var patch = new HttpRequestMessage(HttpMethod.Patch, $"{api.ApiUrl}/repos/octo/sample/issues/comments/{plantedId}") { Content = new StringContent("{\"body\":\"x\"}") };
            patch.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("token", api.Token);
            Assert.AreEqual(System.Net.HttpStatusCode.Forbidden, (await http.SendAsync(patch, TestContext.CancellationToken)).StatusCode, "the fake, like GitHub, refuses to edit another author's comment");
        }

        var first = await ReportAsync(api, console, Reports.Of(Reports.Failed(1, "make test", 2, ["boom"])));
        var second = await ReportAsync(api, console, Reports.Of(Reports.Passed(1, "make test")));

        Assert.IsEmpty(first.Problems, console.Text);
        Assert.IsTrue(first.Comment!.Created);
        Assert.AreNotEqual(plantedId, first.Comment.CommentId);
        Assert.AreEqual(first.Comment.CommentId, second.Comment!.CommentId, "the second run finds the action's own comment, not the planted one");
        var plantedNow = api.Comments.Single(comment => comment.Id == plantedId);
        Assert.AreEqual(planted, plantedNow.Body);
        Assert.AreEqual(0, plantedNow.Updates);
        Assert.AreEqual(FakeGitHubApi.ActionsBot, api.Comments.Single(comment => comment.Id == first.Comment.CommentId).Author);
        Assert.HasCount(1, api.Requests.Where(request => request.Method == "PATCH" && request.Path.EndsWith("/" + plantedId, StringComparison.Ordinal)).ToList(), "only the probe above tried to edit the planted comment");
    }

    [TestMethod]
    public async Task With_a_personal_access_token_only_that_users_marker_comment_is_updated()
    {
        await using var api = await FakeGitHubApi.StartAsync(token: "ghp_" + Guid.NewGuid().ToString("N"), tokenUser: "octo-ci");
        using var console = new ConsoleCapture();
        const string marker = "<!-- gadugi-buildexec:gadugi -->";
        api.AddComment(PullRequest, marker + "\nplanted", "mallory");
        api.AddComment(PullRequest, marker + "\nby another workflow's bot", FakeGitHubApi.ActionsBot);
        var ours = api.AddComment(PullRequest, marker + "\nan earlier run", "octo-ci");

        var outcome = await ReportAsync(api, console, Reports.Of(Reports.Passed(1, "true")));

        Assert.IsEmpty(outcome.Problems, console.Text);
        Assert.IsFalse(outcome.Comment!.Created);
        Assert.AreEqual(ours, outcome.Comment.CommentId);
        Assert.HasCount(1, api.Requests.Where(request => request.Method == "GET" && request.Path == "/user").ToList());
    }

    [TestMethod]
    public async Task The_primary_rate_limit_is_waited_out_when_it_resets_soon()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var console = new ConsoleCapture();
        api.FailNext("POST", "/repos/octo/sample/check-runs", 403, "API rate limit exceeded for installation ID 4242.", PrimaryLimit(TimeSpan.FromSeconds(1)));

        var outcome = await ReportAsync(api, console, Reports.Of(Reports.Passed(1, "true")));

        Assert.IsEmpty(outcome.Problems, console.Text);
        Assert.HasCount(1, api.CheckRuns);
        CollectionAssert.AreEqual(new[] { 403, 201 }, api.Requests.Where(request => request.Path.EndsWith("/check-runs", StringComparison.Ordinal)).Select(request => request.Status).ToArray());
        Assert.Contains("retrying to publish the check run 'gadugi'", console.Text);
    }

    [TestMethod]
    public async Task A_primary_rate_limit_that_resets_after_the_longest_wait_is_not_waited_for_and_stops_the_writes()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var console = new ConsoleCapture();
        api.FailNext("GET", "/repos/octo/sample/issues/7/comments", 429, "API rate limit exceeded for installation ID 4242.", PrimaryLimit(TimeSpan.FromMinutes(40)));

        var outcome = await ReportAsync(api, console, Reports.Of(Reports.Passed(1, "true")));

        Assert.AreEqual("GBX5014", outcome.Problems.Single().Code);
        Assert.HasCount(1, api.Requests.Where(request => request.Path.EndsWith("/issues/7/comments", StringComparison.Ordinal)).ToList());
        Assert.IsEmpty(api.Writes, "nothing more is tried while the limit lasts");
        Assert.HasCount(1, console.Lines.Where(line => line.StartsWith("::warning", StringComparison.Ordinal)).ToList());
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)] // a hang guard only: a wait on the fake clock would never end
    public async Task A_primary_rate_limit_that_resets_after_the_reporting_time_limit_ends_with_GBX5014_not_a_cancellation()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var console = new ConsoleCapture();
        // The retries wait on this clock, which only moves when told: a wait for the reset would never end.
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var started = clock.GetUtcNow();
        api.FailNext("POST", "/repos/octo/sample/issues/7/comments", 403, "API rate limit exceeded for installation ID 4242.", PrimaryLimit(TimeSpan.FromSeconds(50), started));
        var retry = FastRetry with { MaxWait = TimeSpan.FromMinutes(2), ReportingTimeLimit = TimeSpan.FromSeconds(3), Time = clock };

        var outcome = await ReportAsync(api, console, Reports.Of(Reports.Passed(1, "true")), retry: retry);

        Assert.AreEqual(started, clock.GetUtcNow(), "the report ended without waiting on the clock: the reset lies beyond the reporting time limit");
        var problem = outcome.Problems.Single();
        Assert.AreEqual("GBX5014", problem.Code, problem.Text);
        Assert.DoesNotContain("cancel", console.Text, StringComparison.OrdinalIgnoreCase);
        Assert.IsEmpty(api.Comments);
    }

    [TestMethod]
    public async Task A_create_that_timed_out_is_not_sent_again()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var console = new ConsoleCapture();
        api.DelayNext("POST", "/repos/octo/sample/check-runs", TimeSpan.FromSeconds(3));
        var retry = FastRetry with { RequestTimeout = TimeSpan.FromSeconds(1) };

        var outcome = await ReportAsync(api, console, Reports.Of(Reports.Passed(1, "true")), retry: retry);
        await api.IdleAsync();

        Assert.AreEqual("GBX5015", outcome.Problems.Single().Code, console.Text);
        Assert.HasCount(1, api.Requests.Where(request => request.Method == "POST" && request.Path.EndsWith("/check-runs", StringComparison.Ordinal)).ToList());
        Assert.HasCount(1, api.CheckRuns, "GitHub did create it; a retry would have made a second one");
    }

    [TestMethod]
    public async Task After_a_403_nothing_more_is_written_and_there_is_one_warning()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var console = new ConsoleCapture();
        api.FailNext("POST", "/repos/octo/sample/issues/7/comments", 403, "Resource not accessible by integration");

        var outcome = await ReportAsync(api, console, Reports.Of(Reports.Passed(1, "true")));

        Assert.AreEqual("GBX5012", outcome.Problems.Single().Code);
        Assert.HasCount(1, api.Writes);
        Assert.IsEmpty(api.CheckRuns);
        Assert.HasCount(1, console.Lines.Where(line => line.StartsWith("::warning", StringComparison.Ordinal)).ToList());
    }

    [TestMethod]
    public async Task A_Dependabot_run_writes_nothing()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var console = new ConsoleCapture();

        var outcome = await ReportAsync(api, console, Reports.Of(Reports.Passed(1, "true")), actor: "dependabot[bot]");

        Assert.IsEmpty(api.Requests);
        Assert.AreEqual("GBX5052", outcome.Problems.Single().Code);
    }

    [TestMethod]
    public async Task An_issue_comment_gets_the_comment_but_no_check_run_on_the_default_branch()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var console = new ConsoleCapture();

        var outcome = await ReportAsync(api, console, Reports.Of(Reports.Passed(1, "true")), payload: EventPayloadFrom(Events.IssueComment()), eventName: "issue_comment");

        Assert.IsEmpty(outcome.Problems, console.Text);
        Assert.IsTrue(outcome.Comment!.Created);
        Assert.IsNull(outcome.CheckRun);
        Assert.IsEmpty(api.CheckRuns);
        Assert.Contains("::notice::GBX5053: The 'issue_comment' event does not say which commit pull request #7 is at", console.Text);
    }

    [TestMethod]
    public async Task An_api_url_with_any_path_prefix_is_used_as_given()
    {
        // Not /api/v3: a proxy or an unusual Enterprise set-up. Nothing may be rewritten or dropped.
        await using var api = await FakeGitHubApi.StartAsync(pathBase: "/gh/api");
        using var console = new ConsoleCapture();

        var outcome = await ReportAsync(api, console, Reports.Of(Reports.Passed(1, "true")));

        Assert.IsEmpty(outcome.Problems, console.Text);
        Assert.HasCount(1, api.Comments);
        Assert.HasCount(1, api.CheckRuns);
        Assert.IsTrue(api.Requests.All(request => request.Path.StartsWith("/gh/api/", StringComparison.Ordinal) && !request.Path.Contains("/api/v3", StringComparison.Ordinal)), string.Join(", ", api.Requests.Select(request => request.Path)));
        Assert.IsTrue(api.Requests.All(request => request.Status < 400 || request.Path == "/gh/api/user"), string.Join(", ", api.Requests.Select(request => $"{request.Path} {request.Status}")));
    }

    /// <summary>The headers GitHub sends with a primary rate limit: nothing left in the window, and when it resets.</summary>
    private static Dictionary<string, string> PrimaryLimit(TimeSpan resetIn, DateTimeOffset? now = null) => new()
    {
        ["x-ratelimit-limit"] = "5000",
        ["x-ratelimit-remaining"] = "0",
        ["x-ratelimit-used"] = "5000",
        ["x-ratelimit-reset"] = ((now ?? DateTimeOffset.UtcNow) + resetIn).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["x-ratelimit-resource"] = "core",
    };

    private static EventPayload EventPayloadFrom(string json)
    {
        using var directory = new TempDirectory();
        return EventPayload.Read(directory.WriteFile("event.json", json));
    }

    private async Task<ReportingOutcome> ReportAsync(FakeGitHubApi api, ConsoleCapture console, RunReport report, EventPayload? payload = null, string? token = "", GitHubRetryOptions? retry = null, string actor = "octocat", string eventName = "pull_request")
    {
        token = token == string.Empty ? api.Token : token;
        console.Console.Redactor.Add(token);
        var inputs = new ActionInputs { Run = "true", Policy = "shell", WorkingDirectory = ".", CheckName = "gadugi", Comment = true, GitHubToken = token };
        var context = new GitHubContext { Repository = Events.Repository, Sha = Events.MergeSha, Workspace = "/tmp", ApiUrl = api.ApiUrl, RunId = "42", Actor = actor, EventName = eventName };
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
        return await new GitHubReporter(console.Console, retry ?? FastRetry).ReportAsync(plan, api.ApiUrl, token, content, TestContext.CancellationToken);
    }
}
