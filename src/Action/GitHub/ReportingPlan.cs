using Gadugi.BuildExec.Action.Context;
using Gadugi.BuildExec.Core.Diagnostics;

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

    /// <summary>Why nothing is written (a warning for the log), when nothing is.</summary>
    public Diagnostic? Skipped { get; init; }

    public bool WritesAnything => Skipped is null && (CommentOn is not null || CheckRunSha is not null);

    /// <summary>
    /// No token, or a pull request from a fork (whose token is read-only): nothing is written.
    /// Otherwise a check run on the pull request's head commit (or GITHUB_SHA), and the comment when
    /// the event is about a pull request and 'comment' is true.
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
                Skipped = Diagnostic.Create(nameof(DiagnosticMessages.ActionReportSkippedFork), pr.Number, pr.HeadRepository, pr.BaseRepository ?? context.Repository),
            };
        }

        if (inputs.GitHubToken is null)
        {
            return new ReportingPlan { Skipped = Diagnostic.Create(nameof(DiagnosticMessages.ActionReportSkippedNoToken), "${{ github.token }}") };
        }

        if (context.Owner is null || context.RepositoryName is null)
        {
            return new ReportingPlan
            {
                Skipped = Diagnostic.Create(nameof(DiagnosticMessages.ActionGitHubFailed), "report", "GITHUB_REPOSITORY", "GITHUB_REPOSITORY is not set to owner/name"),
            };
        }

        return new ReportingPlan
        {
            Owner = context.Owner,
            Repository = context.RepositoryName,
            CommentOn = inputs.Comment ? pr?.Number : null,
            CheckRunSha = pr?.HeadSha ?? context.Sha,
        };
    }
}
