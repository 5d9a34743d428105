using Octokit;
using Polly;

namespace Gadugi.BuildExec.Action.GitHub;

/// <summary>
/// One comment per pull request and check name, found again by the hidden marker on its first line
/// and updated in place on every run. All pages of comments are read (Link headers), so a busy pull
/// request does not get a second comment. Only a body that starts with the marker counts: output
/// quoted inside another comment (or inside this one's fenced output) cannot take its place.
/// </summary>
public sealed class StickyComment(IGitHubClient client, ResiliencePipeline pipeline)
{
    public sealed record Outcome(long CommentId, bool Created, string? HtmlUrl);

    public async Task<Outcome> UpsertAsync(string owner, string repository, int number, string marker, string body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        var comments = await pipeline.ExecuteAsync(
            async _ => await client.Issue.Comment.GetAllForIssue(owner, repository, number, new ApiOptions { PageSize = 100 }).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
        var existing = comments
            .Where(comment => comment.Body?.StartsWith(marker, StringComparison.Ordinal) == true)
            .OrderBy(comment => comment.Id)
            .FirstOrDefault();
        if (existing is not null)
        {
            var updated = await pipeline.ExecuteAsync(
                async _ => await client.Issue.Comment.Update(owner, repository, existing.Id, body).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false);
            return new Outcome(updated.Id, false, updated.HtmlUrl);
        }

        var created = await pipeline.ExecuteAsync(
            async _ => await client.Issue.Comment.Create(owner, repository, number, body).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
        return new Outcome(created.Id, true, created.HtmlUrl);
    }
}
