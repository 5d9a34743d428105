using System.Net;
using Gadugi.BuildExec.Action.Context;
using Gadugi.BuildExec.Action.GitHub;
using Gadugi.BuildExec.Action.Tests.Support;
using Octokit;

namespace Gadugi.BuildExec.Action.Tests;

[TestClass]
public sealed class RetryAndPlanTests
{
    private static readonly GitHubRetryOptions Options = new();

    [TestMethod]
    public void Retry_After_decides_the_wait_and_is_capped()
    {
        Assert.AreEqual(TimeSpan.FromSeconds(7), GitHubResilience.WaitBefore(Exception(403, "You have exceeded a secondary rate limit", ("Retry-After", "7")), 0, Options));
        Assert.AreEqual(Options.MaxWait, GitHubResilience.WaitBefore(Exception(429, "slow down", ("Retry-After", "3600")), 0, Options));
    }

    [TestMethod]
    public void Without_Retry_After_a_secondary_limit_waits_at_least_a_minute_and_a_server_error_backs_off()
    {
        Assert.AreEqual(TimeSpan.FromSeconds(60), GitHubResilience.WaitBefore(Exception(403, "You have exceeded a secondary rate limit"), 0, Options));
        Assert.AreEqual(TimeSpan.FromSeconds(2), GitHubResilience.WaitBefore(Exception(502, "Bad Gateway"), 0, Options));
        Assert.AreEqual(TimeSpan.FromSeconds(8), GitHubResilience.WaitBefore(Exception(502, "Bad Gateway"), 2, Options));
    }

    [TestMethod]
    public void Only_rate_limits_and_transient_failures_are_retried()
    {
        Assert.IsTrue(GitHubResilience.ShouldRetry(Exception(403, "You have exceeded a secondary rate limit")));
        Assert.IsTrue(GitHubResilience.ShouldRetry(Exception(429, "Too many")));
        Assert.IsTrue(GitHubResilience.ShouldRetry(Exception(503, "Unavailable")));
        Assert.IsTrue(GitHubResilience.ShouldRetry(new HttpRequestException("connection refused")));
        Assert.IsFalse(GitHubResilience.ShouldRetry(Exception(403, "Resource not accessible by integration")));
        Assert.IsFalse(GitHubResilience.ShouldRetry(Exception(404, "Not Found")));
        Assert.IsFalse(GitHubResilience.ShouldRetry(Exception(422, "Validation Failed")));
        Assert.IsFalse(GitHubResilience.ShouldRetry(new RateLimitExceededException(new FakeResponse(HttpStatusCode.Forbidden, "API rate limit exceeded"))));
    }

    [TestMethod]
    public void A_pull_request_gets_a_comment_and_a_check_run_on_its_head_commit()
    {
        var plan = Decide(Events.PullRequest(number: 9));

        Assert.AreEqual(9, plan.CommentOn);
        Assert.AreEqual(Events.HeadSha, plan.CheckRunSha);
        Assert.IsNull(plan.Skipped);
    }

    [TestMethod]
    public void Comment_false_keeps_the_check_run_only()
    {
        var plan = Decide(Events.PullRequest(), comment: false);

        Assert.IsNull(plan.CommentOn);
        Assert.AreEqual(Events.HeadSha, plan.CheckRunSha);
    }

    [TestMethod]
    public void A_fork_or_a_missing_token_writes_nothing()
    {
        Assert.AreEqual("GBX5010", Decide(Events.PullRequest(headRepository: "someone/fork")).Skipped!.Code);
        Assert.IsFalse(Decide(Events.PullRequest(headRepository: "someone/fork")).WritesAnything);
        Assert.AreEqual("GBX5011", Decide(Events.PullRequest(), token: null).Skipped!.Code);
    }

    [TestMethod]
    public void A_create_is_retried_only_when_it_certainly_did_not_happen()
    {
        Assert.IsTrue(GitHubResilience.ShouldRetry(Exception(403, "You have exceeded a secondary rate limit"), idempotent: false, Options));
        Assert.IsTrue(GitHubResilience.ShouldRetry(new HttpRequestException(HttpRequestError.ConnectionError, "connection refused"), idempotent: false, Options));
        Assert.IsFalse(GitHubResilience.ShouldRetry(new TaskCanceledException("timeout"), idempotent: false, Options));
        Assert.IsFalse(GitHubResilience.ShouldRetry(Exception(502, "Bad Gateway"), idempotent: false, Options));
        Assert.IsFalse(GitHubResilience.ShouldRetry(new HttpRequestException(HttpRequestError.ResponseEnded, "response ended"), idempotent: false, Options));
        Assert.IsTrue(GitHubResilience.ShouldRetry(new TaskCanceledException("timeout"), idempotent: true, Options), "a GET or PATCH may be repeated");
    }

    [TestMethod]
    public void The_primary_limit_waits_until_the_reset_only_when_that_is_soon()
    {
        var soon = DateTimeOffset.UtcNow.AddSeconds(30).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var late = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var soonLimit = Exception(403, "API rate limit exceeded for installation ID 1.", ("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", soon));

        Assert.IsTrue(GitHubResilience.ShouldRetry(soonLimit, idempotent: false, Options));
        Assert.IsFalse(GitHubResilience.ShouldRetry(Exception(429, "API rate limit exceeded", ("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", late)), idempotent: true, Options));
        var wait = GitHubResilience.WaitBefore(soonLimit, 0, Options);
        Assert.IsTrue(wait > TimeSpan.FromSeconds(25) && wait <= TimeSpan.FromSeconds(32), wait.ToString());
    }

    [TestMethod]
    public void Dependabot_writes_nothing_and_issue_comment_gets_no_check_run()
    {
        Assert.AreEqual("GBX5052", Decide(Events.PullRequest(), actor: "dependabot[bot]").Skipped!.Code);
        var onComment = Decide(Events.IssueComment(), eventName: "issue_comment");
        Assert.AreEqual(7, onComment.CommentOn);
        Assert.IsNull(onComment.CheckRunSha, "GITHUB_SHA is the default branch on issue_comment");
        Assert.AreEqual("GBX5053", onComment.CheckRunSkipped!.Code);
        Assert.AreEqual(Events.MergeSha, Decide(Events.Push(), eventName: "push").CheckRunSha);
    }

    private static ReportingPlan Decide(string eventJson, bool comment = true, string? token = "t0ken", string actor = "octocat", string eventName = "pull_request")
    {
        using var directory = new TempDirectory();
        var payload = EventPayload.Read(directory.WriteFile("event.json", eventJson));
        var inputs = new ActionInputs { Run = "x", Policy = "shell", WorkingDirectory = ".", CheckName = "gadugi", Comment = comment, GitHubToken = token };
        return ReportingPlan.Decide(inputs, new GitHubContext { Repository = Events.Repository, Sha = Events.MergeSha, Workspace = "/tmp", Actor = actor, EventName = eventName }, payload);
    }

    private static ApiException Exception(int status, string message, params (string Name, string Value)[] headers)
    {
        var response = new FakeResponse((HttpStatusCode)status, $$"""{"message":"{{message}}"}""", headers);
        return status == 403 && message.Contains("secondary rate limit", StringComparison.Ordinal)
            ? new SecondaryRateLimitExceededException(response)
            : status == 403 ? new ForbiddenException(response) : status == 404 ? new NotFoundException(response) : new ApiException(response);
    }

    private sealed class FakeResponse(HttpStatusCode status, string body, params (string Name, string Value)[] headers) : IResponse
    {
        public object Body => body;

        public IReadOnlyDictionary<string, string> Headers { get; } = headers.ToDictionary(header => header.Name, header => header.Value);

        public ApiInfo ApiInfo { get; } = new(new Dictionary<string, Uri>(), [], [], string.Empty, new RateLimit(5000, 4999, 0));

        public HttpStatusCode StatusCode => status;

        public string ContentType => "application/json";
    }
}
