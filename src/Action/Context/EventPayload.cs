using System.Text.Json;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Action.Resources;

namespace Gadugi.BuildExec.Action.Context;

/// <summary>What the action needs from the event payload (GITHUB_EVENT_PATH): the pull request, if any.</summary>
public sealed record EventPayload
{
    public static EventPayload None { get; } = new();

    public PullRequestInfo? PullRequest { get; init; }

    /// <summary>A warning (GBX5006) when the payload could not be read; the run goes on without it.</summary>
    public Diagnostic? Problem { get; init; }

    public static EventPayload Read(string? path)
    {
        if (path is null)
        {
            return None;
        }

        try
        {
            using var stream = File.OpenRead(path);
            using var document = JsonDocument.Parse(stream);
            return new EventPayload { PullRequest = PullRequestInfo.From(document.RootElement) };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return new EventPayload { Problem = Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionEventUnreadable), path, ex.Message) };
        }
    }
}

/// <summary>The pull request of a pull_request* event (or of an issue_comment on one).</summary>
public sealed record PullRequestInfo(int Number, string? HeadSha, string? HeadRepository, string? BaseRepository)
{
    public const string DeletedFork = "(deleted fork)";

    /// <summary>pull_request.base.sha: the commit of the base branch the pull request was opened against.</summary>
    public string? BaseSha { get; init; }

    public static PullRequestInfo? From(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (root.TryGetProperty("pull_request", out var pr) && pr.ValueKind == JsonValueKind.Object && pr.TryGetProperty("number", out var number) && number.TryGetInt32(out var n))
        {
            var headRepository = Text(pr, "head", "repo", "full_name");
            if (headRepository is null && pr.TryGetProperty("head", out var head) && head.ValueKind == JsonValueKind.Object
                && head.TryGetProperty("repo", out var repo) && repo.ValueKind == JsonValueKind.Null)
            {
                // GitHub sends "repo": null when the fork the pull request came from was deleted.
                headRepository = DeletedFork;
            }

            return new PullRequestInfo(n, Text(pr, "head", "sha"), headRepository, Text(pr, "base", "repo", "full_name")) { BaseSha = Text(pr, "base", "sha") };
        }

        // issue_comment on a pull request: the issue carries a pull_request link but no head/base.
        if (root.TryGetProperty("issue", out var issue) && issue.ValueKind == JsonValueKind.Object && issue.TryGetProperty("pull_request", out _)
            && issue.TryGetProperty("number", out var issueNumber) && issueNumber.TryGetInt32(out var i))
        {
            return new PullRequestInfo(i, null, null, null);
        }

        return null;
    }

    /// <summary>
    /// True when the head branch lives in another repository than the base (or than GITHUB_REPOSITORY):
    /// the runner then hands out a read-only token and no secrets.
    /// </summary>
    public bool IsFromFork(string? repository)
    {
        if (HeadRepository is null)
        {
            return false;
        }

        var target = BaseRepository ?? repository;
        return target is not null && !string.Equals(HeadRepository, target, StringComparison.OrdinalIgnoreCase);
    }

    private static string? Text(JsonElement element, params string[] path)
    {
        foreach (var name in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
            {
                return null;
            }
        }

        return element.ValueKind == JsonValueKind.String ? element.GetString() : null;
    }
}
