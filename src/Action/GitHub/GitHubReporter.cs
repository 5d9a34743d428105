using Gadugi.BuildExec.Action.Logging;
using Gadugi.BuildExec.Core.Diagnostics;
using Octokit;

namespace Gadugi.BuildExec.Action.GitHub;

/// <summary>The texts the pull request gets.</summary>
public sealed record PullRequestReport(string Marker, string CommentBody, CheckRunContent? CheckRun)
{
    /// <summary>False: only an existing comment is updated (comment_mode 'failures' on a passing run).</summary>
    public bool CreateComment { get; init; } = true;

    /// <summary>The same report with every registered secret masked in every text sent to GitHub.</summary>
    public PullRequestReport Redacted(SecretRedactor redactor)
    {
        ArgumentNullException.ThrowIfNull(redactor);
        return new PullRequestReport(
            Marker,
            redactor.Redact(CommentBody),
            CheckRun is null ? null : CheckRun with
            {
                Name = redactor.Redact(CheckRun.Name),
                Title = redactor.Redact(CheckRun.Title),
                Summary = redactor.Redact(CheckRun.Summary),
                DetailsUrl = CheckRun.DetailsUrl is null ? null : redactor.Redact(CheckRun.DetailsUrl),
                Annotations = CheckRun.Annotations
                    .Select(annotation => annotation with
                    {
                        Path = redactor.Redact(annotation.Path),
                        Code = annotation.Code is null ? null : redactor.Redact(annotation.Code),
                        Message = redactor.Redact(annotation.Message),
                        Title = annotation.Title is null ? null : redactor.Redact(annotation.Title),
                    })
                    .ToList(),
            })
        {
            CreateComment = CreateComment,
        };
    }
}

/// <summary>What reporting did, for the log and for tests.</summary>
public sealed record ReportingOutcome(StickyComment.Outcome? Comment, CheckRunPublisher.Outcome? CheckRun, IReadOnlyList<Diagnostic> Problems);

/// <summary>
/// Writes the sticky comment and the check run as the plan allows. A refusal or failure becomes a
/// coded warning (GBX5010–GBX5015) and never changes the steps' verdict; the token (and every other
/// secret the console's redactor knows) never appears in what is printed or sent: the comment, the
/// check run's title, summary and annotations are redacted here, whoever built them.
/// </summary>
public sealed class GitHubReporter(ActionConsole console, GitHubRetryOptions retry)
{
    public async Task<ReportingOutcome> ReportAsync(ReportingPlan plan, string apiUrl, string? token, PullRequestReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(report);
        report = report.Redacted(console.Redactor);
        if (plan.Skipped is { } skipped)
        {
            console.Warning(skipped);
            return new ReportingOutcome(null, null, [skipped]);
        }

        if (!plan.WritesAnything || token is null)
        {
            console.Notice("Nothing to report on GitHub: the event names no pull request and no commit.");
            return new ReportingOutcome(null, null, []);
        }

        var client = GitHubClientFactory.Create(apiUrl, token, retry.RequestTimeout);
        var limits = retry with { Deadline = retry.Time.GetUtcNow() + retry.ReportingTimeLimit };
        var repository = $"{plan.Owner}/{plan.Repository}";
        var problems = new List<Diagnostic>();
        StickyComment.Outcome? comment = null;
        CheckRunPublisher.Outcome? checkRun = null;

        if (plan.CommentOn is { } number)
        {
            var operation = new GitHubOperation($"update the comment on pull request #{number}", $"repos/{repository}/issues/{number}/comments", "pull-requests");
            comment = await TryAsync(operation, apiUrl, repository, limits, problems, pipelines =>
                new StickyComment(client, pipelines).UpsertAsync(plan.Owner!, plan.Repository!, number, report.Marker, report.CommentBody, cancellationToken, report.CreateComment)).ConfigureAwait(false);
            if (comment is { CommentId: 0 })
            {
                console.WriteLine($"No comment on pull request #{number}: comment_mode is 'failures', nothing failed and there is no earlier comment to update.");
                comment = null;
            }
            else if (comment is not null)
            {
                console.WriteLine($"{(comment.Created ? "Created" : "Updated")} the pull-request comment {comment.HtmlUrl ?? comment.CommentId.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
            }
        }

        if (plan.CheckRunSkipped is { } note)
        {
            console.Notice(note.ToString());
        }

        if (plan.CheckRunSha is { } sha && report.CheckRun is { } content)
        {
            if (problems.FirstOrDefault(problem => problem.Code is ForbiddenCode or RateLimitedCode) is { } stop)
            {
                // A 403 says the token is read-only (or lacks a permission), a rate limit that did not
                // lift in time will not lift for the next request: no more writes, no second warning.
                console.WriteLine($"Not publishing the check run '{content.Name}': GitHub refused the previous write ({stop.Code}, see the warning above).");
            }
            else
            {
                var operation = new GitHubOperation($"publish the check run '{content.Name}'", $"repos/{repository}/check-runs", "checks");
                checkRun = await TryAsync(operation, apiUrl, repository, limits, problems, pipelines =>
                    new CheckRunPublisher(client, pipelines).PublishAsync(content with { HeadSha = sha }, cancellationToken)).ConfigureAwait(false);
                if (checkRun is not null)
                {
                    console.WriteLine($"Published check run '{content.Name}' with {content.Annotations.Count} annotation(s) in {checkRun.Requests} request(s)");
                }
            }
        }

        return new ReportingOutcome(comment, checkRun, problems);
    }

    private const string ForbiddenCode = "GBX5012";
    private const string RateLimitedCode = "GBX5014";

    private async Task<T?> TryAsync<T>(GitHubOperation operation, string apiUrl, string repository, GitHubRetryOptions limits, List<Diagnostic> problems, Func<GitHubPipelines, Task<T>> action)
        where T : class
    {
        var attempts = 1;
        Exception? last = null;
        var pipelines = GitHubPipelines.For(limits, (attempt, exception, wait) =>
        {
            attempts = attempt + 1;
            last = exception;
            console.WriteLine($"GitHub asked to slow down or failed transiently ({exception.GetType().Name}); retrying to {operation.Description} in {wait.TotalSeconds:0.#} s (attempt {attempts})");
        });
        try
        {
            return await action(pipelines).ConfigureAwait(false);
        }

        // Reporting never decides the verdict: whatever went wrong becomes a coded warning. When the
        // reporting time limit ends a wait or a request, the warning names what was being waited for
        // (e.g. the rate limit, GBX5014) rather than the cancellation.
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var cause = ex is OperationCanceledException && last is not null ? last : ex;
            var diagnostic = GitHubErrors.Describe(cause, operation, apiUrl, repository, attempts);
            problems.Add(diagnostic);
            console.Warning(diagnostic);
            return null;
        }
    }
}
