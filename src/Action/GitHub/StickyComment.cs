using System.Net;
using Octokit;
using Polly;

namespace Gadugi.BuildExec.Action.GitHub;

/// <summary>
/// One comment per pull request and check name, found again by the hidden marker on its first line
/// and updated in place on every run. All pages of comments are read (Link headers), so a busy pull
/// request does not get a second comment. Only a body that starts with the marker counts: output
/// quoted inside another comment (or inside this one's fenced output) cannot take its place. And only
/// a comment the token's identity wrote counts (<see cref="CommentAuthor"/>): anyone can post a body
/// that starts with the marker, and the action must neither adopt nor try to edit such a comment.
/// </summary>
public sealed class StickyComment(IGitHubClient client, GitHubPipelines pipelines)
{
    public sealed record Outcome(long CommentId, bool Created, string? HtmlUrl);

    public async Task<Outcome> UpsertAsync(string owner, string repository, int number, string marker, string body, CancellationToken cancellationToken, bool create = true)
    {
        ArgumentNullException.ThrowIfNull(body);
        var author = await CommentAuthor.ResolveAsync(client, pipelines.Read, cancellationToken).ConfigureAwait(false);
        var comments = await pipelines.Read.ExecuteAsync(
            async _ => await client.Issue.Comment.GetAllForIssue(owner, repository, number, new ApiOptions { PageSize = 100 }).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
        var existing = comments
            .Where(comment => comment.Body?.StartsWith(marker, StringComparison.Ordinal) == true && author.Wrote(comment))
            .OrderBy(comment => comment.Id)
            .FirstOrDefault();
        if (existing is not null)
        {
            var updated = await pipelines.Read.ExecuteAsync(
                async _ => await client.Issue.Comment.Update(owner, repository, existing.Id, body).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false);
            return new Outcome(updated.Id, false, updated.HtmlUrl);
        }

        if (!create)
        {
            return new Outcome(0, false, null);
        }

        var created = await pipelines.Create.ExecuteAsync(
            async _ => await client.Issue.Comment.Create(owner, repository, number, body).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
        return new Outcome(created.Id, true, created.HtmlUrl);
    }
}

/// <summary>
/// Who the action's comments are by. A personal access token has a user: GET /user names it, and
/// only that login's comments are the action's. GITHUB_TOKEN and other GitHub App installation
/// tokens have none (GET /user answers 403 or 404): their comments are by the app's bot account, so
/// only comments whose author has <c>type: "Bot"</c> (github-actions[bot], or the app's bot) count.
/// People cannot post as a bot, so a planted marker comment from a pull request's author is ignored.
/// </summary>
public sealed record CommentAuthor(string? Login)
{
    public bool Wrote(IssueComment comment)
    {
        ArgumentNullException.ThrowIfNull(comment);
        return Login is not null
            ? string.Equals(comment.User?.Login, Login, StringComparison.OrdinalIgnoreCase)
            : comment.User?.Type == AccountType.Bot;
    }

    public static async Task<CommentAuthor> ResolveAsync(IGitHubClient client, ResiliencePipeline pipeline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(pipeline);
        try
        {
            var user = await pipeline.ExecuteAsync(async _ => await client.User.Current().ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            return new CommentAuthor(user.Type == AccountType.Bot ? null : user.Login);
        }
        catch (ApiException ex) when (ex.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound && !GitHubResilience.IsRateLimit(ex))
        {
            return new CommentAuthor((string?)null);
        }
    }
}
