using Gadugi.BuildExec.Action.Context;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Action.Resources;

namespace Gadugi.BuildExec.Action.GitHub;

/// <summary>What the action may write to GitHub for this event, decided before any request.</summary>
public sealed record ReportingPlan
{
    public string? Owner { get; init; }

    public string? Repository { get; init; }

    /// <summary>Pull request to comment on; null: no comment.</summary>
    public int? CommentOn { get; init; }

    /// <summary>Commit for the check run; null: no check run.</summary>
    public string? CheckRunSha { get; init; }

    /// <summary>Why there is no check run although the event is about a pull request (a notice), when there is none.</summary>
    public Diagnostic? CheckRunSkipped { get; init; }

    /// <summary>Why nothing is written (a warning for the log), when nothing is.</summary>
    public Diagnostic? Skipped { get; init; }

    public bool WritesAnything => Skipped is null && (CommentOn is not null || CheckRunSha is not null);

    /// <summary>The account Dependabot's runs have as GITHUB_ACTOR.</summary>
    public const string DependabotActor = "dependabot[bot]";

    /// <summary>Events whose GITHUB_SHA is the default branch's head, not a commit of the pull request they name.</summary>
    public static readonly IReadOnlySet<string> EventsWithoutHeadCommit = new HashSet<string>(StringComparer.Ordinal) { "issue_comment" };

    /// <summary>
    /// No token, a pull request from a fork or a run triggered by Dependabot (whose tokens are
    /// read-only): nothing is written. Otherwise a check run on the pull request's head commit (or
    /// GITHUB_SHA for events about a commit, never for issue_comment, whose GITHUB_SHA is the default
    /// branch), and the comment when the event is about a pull request and 'comment' is true.
    /// A fork's pull request is skipped on pull_request_target too, on purpose: that event hands out a
    /// write token while the steps run the fork's code; see docs/action.md.
    /// </summary>
    public static ReportingPlan Decide(ActionInputs inputs, GitHubContext context, EventPayload payload)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(payload);
        var pr = payload.PullRequest;
        if (pr is not null && pr.IsFromFork(context.Repository))
        {
            return new ReportingPlan
            {
                Skipped = Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionReportSkippedFork), pr.Number, pr.HeadRepository, pr.BaseRepository ?? context.Repository),
            };
        }

        if (string.Equals(context.Actor, DependabotActor, StringComparison.OrdinalIgnoreCase))
        {
            return new ReportingPlan { Skipped = Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionReportSkippedDependabot), context.Actor) };
        }

        if (inputs.GitHubToken is null)
        {
            return new ReportingPlan { Skipped = Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionReportSkippedNoToken), "${{ github.token }}") };
        }

        if (context.Owner is null || context.RepositoryName is null)
        {
            return new ReportingPlan
            {
                Skipped = Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionGitHubFailed), "report", "GITHUB_REPOSITORY", "GITHUB_REPOSITORY is not set to owner/name"),
            };
        }

        var noHeadCommit = (context.EventName is { } name && EventsWithoutHeadCommit.Contains(name)) || (pr is not null && pr.HeadSha is null);
        return new ReportingPlan
        {
            Owner = context.Owner,
            Repository = context.RepositoryName,
            CommentOn = inputs.Comment ? pr?.Number : null,
            CheckRunSha = noHeadCommit ? null : pr?.HeadSha ?? context.Sha,
            CheckRunSkipped = noHeadCommit
                ? Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionCheckRunSkippedNoHead), context.EventName ?? "(unknown)", pr?.Number.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?")
                : null,
        };
    }
}
