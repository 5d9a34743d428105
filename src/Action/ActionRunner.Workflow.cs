using Gadugi.BuildExec.Action.Context;
using Gadugi.BuildExec.Action.GitHub;
using Gadugi.BuildExec.Action.Logging;
using Gadugi.BuildExec.Action.Reporting;
using Gadugi.BuildExec.Action.Running;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Requests;
using Gadugi.BuildExec.Core.Workflows;
using Microsoft.Extensions.Logging;

namespace Gadugi.BuildExec.Action;

/// <summary>
/// The action's <c>workflow:</c> input: the workflow runs through the same runner as
/// <c>gadugi-exec workflow run</c> (sandboxes as siblings through the path mapper, fallback never
/// honoured), and its task × phase table is the job summary, the sticky comment and the check run.
/// </summary>
public sealed partial class ActionRunner
{
    private async Task<int> RunWorkflowAsync(GitHubContext context, ActionInputs inputs, EventPayload payload, ActionSettings settings, PolicyChoice? policies, CancellationToken cancellationToken)
    {
        WorkflowRunResult result;
        var auditLogForLaterSteps = settings.AuditLogPath;
        try
        {
            using var choice = await WorkflowSource.ChooseAsync(inputs, context, payload, settings.Workspace, policies, cancellationToken).ConfigureAwait(false);
            if (choice.Notice is { } notice)
            {
                console.Warning(notice);
            }

            var workflow = choice.Workflow;
            var file = workflow.File;
            using var loggerFactory = LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Warning).AddProvider(new ActionsLoggerProvider(console)));
            var mapper = await CreatePathMapperAsync(settings, cancellationToken).ConfigureAwait(false);
            auditLogForLaterSteps = HostPathOf(mapper, settings.AuditLogPath);
            console.WriteLine($"Running workflow {Path.GetRelativePath(settings.Workspace, file)}: {workflow.Tasks.Count} task(s) × {workflow.Phases.Count} phase(s)");
            using (CheckoutCredentialShield.Raise(settings.Workspace, settings.WorkingDirectory, console))
            {
                var runner = new WorkflowRunner(new WorkflowRunnerOptions
                {
                    Executor = ExecutorOptionsBuilder.Build(settings.AuditLogPath, _options.Endpoint, pathMapper: mapper, time: _options.Time),
                    LoggerFactory = loggerFactory,
                    Caller = "action",
                    HonoursFallback = false,
                    Time = _options.Time,
                    Observer = entry =>
                    {
                        if (entry.Kind is JournalKinds.PhaseFinished or JournalKinds.TaskFinished)
                        {
                            console.WriteLine($"{entry.Task}/{entry.Phase ?? "(task)"}: {entry.Status}{(entry.Detail is null ? string.Empty : ": " + entry.Detail)}");
                        }
                    },
                });
                result = await runner.RunAsync(workflow, new RunPlanOptions { Only = inputs.Only, MaxParallel = inputs.MaxParallel }, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (WorkflowFileException ex)
        {
            foreach (var issue in ex.Issues)
            {
                console.Error(issue.Diagnostic);
            }

            console.Error(ex.Diagnostic);
            return Failure;
        }
        catch (GadugiException ex)
        {
            console.Error(ex.Diagnostic);
            return Failure;
        }

        var failed = result.Status != WorkflowStatus.Passed;
        var headline = $"workflow {result.Status}: {result.Summary.Tasks.Count(t => t.Status == WorkflowStatus.Passed)} of {result.Summary.Tasks.Count} task(s) passed";
        try
        {
            if (context.OutputFile is { } output)
            {
                new GitHubOutputWriter(output, console.Redactor).Write(new Dictionary<string, string>
                {
                    [OutputNames.ExitCode] = failed ? "1" : "0",
                    [OutputNames.Result] = result.Summary.ToJson().ReplaceLineEndings(" "),
                    [OutputNames.AuditLog] = auditLogForLaterSteps,
                });
            }

            if (context.StepSummaryFile is { } summary)
            {
                new JobSummaryWriter(summary, console.Redactor).Write(result.Summary.ToMarkdown(MarkdownReport.MaxLength(ReportTarget.JobSummary)));
            }
        }
        catch (GadugiException ex)
        {
            console.Warning(ex.Diagnostic);
        }

        if (!cancellationToken.IsCancellationRequested)
        {
            var plan = ReportingPlan.Decide(inputs, context, payload);
            var marker = MarkdownReport.Marker(inputs.CheckName);
            var checkRun = plan.CheckRunSha is { } sha && plan.Owner is { } owner && plan.Repository is { } repository
                ? new CheckRunContent
                {
                    Owner = owner,
                    Repository = repository,
                    Name = inputs.CheckName,
                    HeadSha = sha,
                    Failed = failed,
                    Title = headline,
                    Summary = result.Summary.ToMarkdown(MarkdownReport.MaxLength(ReportTarget.CheckRun)),
                    CompletedAt = _options.Time.GetUtcNow(),
                    DetailsUrl = context.RunUrl,
                }
                : null;
            var report = new PullRequestReport(marker, marker + "\n" + result.Summary.ToMarkdown(MarkdownReport.MaxLength(ReportTarget.Comment) - marker.Length - 1), checkRun);
            using var limit = new CancellationTokenSource(_options.Retry.ReportingTimeLimit);
            await new GitHubReporter(console, _options.Retry).ReportAsync(plan, context.ApiUrl, inputs.GitHubToken, report, limit.Token).ConfigureAwait(false);
        }

        console.WriteLine($"Gadugi BuildExec: {headline} (fail_on {inputs.FailOn.ToString().ToLowerInvariant()})");
        return failed && inputs.FailOn == FailOn.Error ? Failure : 0;
    }
}
