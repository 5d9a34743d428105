using System.Text.Json;
using Gadugi.BuildExec.Action.Context;
using Gadugi.BuildExec.Action.Logging;
using Gadugi.BuildExec.Action.Resources;
using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Action.GitHub;

/// <summary>
/// Publish-only mode (inputs result_file and event_file): runs no step; publishes the report a
/// pull request's run saved (its 'report_file' output) as that pull request's comment and check run,
/// with this workflow's token. Meant for a workflow on 'workflow_run': a fork's pull request runs
/// with a read-only token, and the workflow_run workflow — which runs the base branch's workflow file,
/// never the fork's code — gets a write token. When this run's own event is workflow_run, the pull
/// request's head commit in event_file must be the commit that workflow run built (GBX5033), so a
/// forged event file cannot put the report on another pull request.
/// </summary>
public sealed class PublishOnly(ActionConsole console, ActionRunnerOptions options)
{
    public static string FileNameFor(string checkName) => $"report-{checkName}.json";

    public async Task<int> RunAsync(ActionEnvironment environment, GitHubContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(context);
        ActionInputs inputs;
        PublishedReport report;
        PullRequestInfo pr;
        try
        {
            inputs = ActionInputs.Read(environment);
            console.Mask(inputs.GitHubToken);
            var workspace = PathGuard.RealPath(context.Workspace);
            var resultFile = PathGuard.InsideWorkspace(workspace, ActionInputs.ResultFileName, inputs.ResultFile!);
            var eventFile = inputs.EventFile is { } given
                ? PathGuard.InsideWorkspace(workspace, ActionInputs.EventFileName, given)
                : throw Problem(ActionInputs.EventFileName, "(not set)", "event_file is required with result_file: the pull request's event payload");
            report = ReadReport(resultFile, inputs);
            var payload = EventPayload.Read(eventFile);
            pr = payload.PullRequest ?? throw Problem(ActionInputs.EventFileName, inputs.EventFile!, payload.Problem?.Text ?? "it is not a pull_request event payload");
            if (pr.HeadSha is null)
            {
                throw Problem(ActionInputs.EventFileName, inputs.EventFile!, "its pull request has no head commit");
            }

            if (WorkflowRunHeadSha(context) is { } built && !string.Equals(built, pr.HeadSha, StringComparison.OrdinalIgnoreCase))
            {
                throw new GadugiException(Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionPublishWrongCommit), pr.Number, pr.HeadSha, built));
            }
        }
        catch (GadugiException ex)
        {
            console.Error(ex.Diagnostic);
            return ActionRunner.Failure;
        }

        console.WriteLine($"Publish-only: the report of pull request #{pr.Number} (commit {pr.HeadSha}): {report.Title}");
        if (context.StepSummaryFile is { } summary)
        {
            new Reporting.JobSummaryWriter(summary, console.Redactor).Write(report.Comment);
        }

        if (inputs.GitHubToken is null || context.Owner is null || context.RepositoryName is null)
        {
            console.Warning(Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionReportSkippedNoToken), "${{ github.token }}"));
            return 0;
        }

        var plan = new ReportingPlan
        {
            Owner = context.Owner,
            Repository = context.RepositoryName,
            CommentOn = inputs.Comment && inputs.CommentMode != CommentMode.Off ? pr.Number : null,
            CheckRunSha = pr.HeadSha,
        };
        var marker = Reporting.MarkdownReport.Marker(inputs.CheckName);
        var checkRun = new CheckRunContent
        {
            Owner = context.Owner,
            Repository = context.RepositoryName,
            Name = inputs.CheckName,
            HeadSha = pr.HeadSha!,
            Failed = report.Failed,
            Title = report.Title,
            Summary = report.CheckSummary,
            Annotations = report.Annotations,
            CompletedAt = options.Time.GetUtcNow(),
            DetailsUrl = context.RunUrl,
        };
        var content = new PullRequestReport(marker, marker + "\n" + report.Comment, checkRun)
        {
            CreateComment = inputs.CommentMode == CommentMode.Always || report.Failed,
        };
        using var limit = new CancellationTokenSource(options.Retry.ReportingTimeLimit);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(limit.Token, cancellationToken);
        await new GitHubReporter(console, options.Retry).ReportAsync(plan, context.ApiUrl, inputs.GitHubToken, content, linked.Token).ConfigureAwait(false);
        return 0;
    }

    private static PublishedReport ReadReport(string path, ActionInputs inputs)
    {
        try
        {
            return PublishedReport.Read(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or InvalidDataException or NotSupportedException)
        {
            throw Problem(ActionInputs.ResultFileName, inputs.ResultFile!, "it is not a report the action wrote (" + ex.Message + ")");
        }
    }

    /// <summary>workflow_run.head_sha of this run's own event (trusted: the runner wrote it), when the event is workflow_run.</summary>
    private static string? WorkflowRunHeadSha(GitHubContext context)
    {
        if (context.EventName != "workflow_run" || context.EventPath is not { } path || !File.Exists(path))
        {
            return null;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.TryGetProperty("workflow_run", out var run) && run.TryGetProperty("head_sha", out var sha) && sha.ValueKind == JsonValueKind.String
            ? sha.GetString()
            : null;
    }

    private static GadugiException Problem(string input, string value, string why) =>
        new(Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionPublishInputUnusable), input, value, why));
}
