using Gadugi.BuildExec.Action.Context;
using Gadugi.BuildExec.Action.GitHub;
using Gadugi.BuildExec.Action.HostPaths;
using Gadugi.BuildExec.Action.Logging;
using Gadugi.BuildExec.Action.Reporting;
using Gadugi.BuildExec.Action.Running;
using Gadugi.BuildExec.Action.TestReports;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Requests;
using Microsoft.Extensions.Logging;
using Gadugi.BuildExec.Action.Resources;

namespace Gadugi.BuildExec.Action;

/// <summary>Seams for tests; the defaults are what the action uses in a workflow.</summary>
public sealed record ActionRunnerOptions
{
    /// <summary>Engine endpoint; null means the one the docker CLI would use (DOCKER_HOST, the docker context, else the mounted socket).</summary>
    public Uri? Endpoint { get; init; }

    public ContainerProbe? Probe { get; init; }

    public GitHubRetryOptions Retry { get; init; } = new();

    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>
/// The action from start to end: read inputs and context, run each step in a sandbox, write the
/// outputs and the job summary, then report to the pull request. Exit 1 when a step failed and
/// fail_on is 'error', or when the action could not start the steps at all.
/// </summary>
public sealed partial class ActionRunner(ActionEnvironment environment, ActionConsole console, ActionRunnerOptions? options = null)
{
    public const int Failure = 1;

    private readonly ActionRunnerOptions _options = options ?? new ActionRunnerOptions();

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        // Before anything else is printed: the runner masks the token (and its encoded forms) in the
        // job log, and the redactor masks it in everything the action writes or sends.
        console.Mask(environment.Get(ActionInputs.VariableName(ActionInputs.GitHubTokenName))?.Trim());
        var context = GitHubContext.Read(environment);
        var payload = EventPayload.Read(context.EventPath);
        if (payload.Problem is { } problem)
        {
            console.Warning(problem);
        }

        if (environment.Get(ActionInputs.VariableName(ActionInputs.ResultFileName)) is not null)
        {
            return await new PublishOnly(console, _options).RunAsync(environment, context, cancellationToken).ConfigureAwait(false);
        }

        ActionInputs inputs;
        ActionSettings settings;
        IReadOnlyList<PlannedStep> steps;
        PolicyChoice? policies = null;
        try
        {
            inputs = ActionInputs.Read(environment);
            console.Mask(inputs.GitHubToken);
            policies = await PolicySource.ChooseAsync(inputs, context, payload, PathGuard.RealPath(context.Workspace), cancellationToken).ConfigureAwait(false);
            foreach (var warning in policies.Warnings)
            {
                console.Warning(warning);
            }

            settings = ActionSettings.Resolve(inputs, context, policies);
            if (inputs.Workflow is { } workflowFile)
            {
                if (!string.IsNullOrWhiteSpace(inputs.Run))
                {
                    throw new GadugiException(Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionRunAndWorkflow), workflowFile));
                }

                using (policies)
                {
                    return await RunWorkflowAsync(context, inputs, payload, settings, policies, cancellationToken).ConfigureAwait(false);
                }
            }

            steps = StepPlan.Parse(inputs.Run, settings.WorkingDirectory, inputs.Mode);
        }
        catch (GadugiException ex)
        {
            policies?.Dispose();
            console.Error(ex.Diagnostic);
            return Failure;
        }

        using var downloads = policies;
        if (settings.FallbackIgnored)
        {
            console.Warning(Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionFallbackIgnored), settings.Policy.Name));
        }

        RunReport report;
        try
        {
            report = await RunStepsAsync(settings, inputs, steps, cancellationToken).ConfigureAwait(false);
        }
        catch (GadugiException ex)
        {
            console.Error(ex.Diagnostic);
            return Failure;
        }

        if (!report.Audit.IsIntact && report.Audit.Exists)
        {
            console.Warning(Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionAuditUnverified), report.Audit.Path, report.Audit.Describe()));
        }

        TestAnnotations.WriteCommands(console, report.Annotations, report.Tests, new AnnotationCollector(settings.Workspace, settings.WorkingDirectory));
        WriteFileCommands(context, settings, report);
        if (cancellationToken.IsCancellationRequested)
        {
            console.Notice("The job was cancelled: the job summary has the results; nothing is sent to GitHub.");
        }
        else
        {
            await ReportToGitHubAsync(context, inputs, payload, settings, report).ConfigureAwait(false);
        }

        console.WriteLine($"Gadugi BuildExec: {report.Headline} (exit_code {report.ExitCode}, fail_on {inputs.FailOn.ToString().ToLowerInvariant()})");
        return report.Failed && inputs.FailOn == FailOn.Error ? Failure : 0;
    }

    private async Task<RunReport> RunStepsAsync(ActionSettings settings, ActionInputs inputs, IReadOnlyList<PlannedStep> steps, CancellationToken cancellationToken)
    {
        using var loggerFactory = LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Information).AddProvider(new ActionsLoggerProvider(console)));
        var mapper = await CreatePathMapperAsync(settings, cancellationToken).ConfigureAwait(false);
        await new SandboxImageProvisioner(console, _options.Endpoint).EnsureAsync(settings.Policy, cancellationToken).ConfigureAwait(false);
        console.WriteLine($"Working directory {settings.WorkingDirectory} is {mapper.ToEnginePath(settings.WorkingDirectory)} on the engine's host; running {steps.Count} step(s) with policy '{settings.Policy.Name}' ({settings.Policy.Image})");

        var annotations = new AnnotationCollector(settings.Workspace, settings.WorkingDirectory);
        var started = _options.Time.GetUtcNow();
        IReadOnlyList<StepOutcome> outcomes;
        using (var shield = CheckoutCredentialShield.Raise(settings.Workspace, settings.WorkingDirectory, console))
        {
            if (shield.Files.Count > 0)
            {
                console.Warning(Diagnostic.Create(
                    ActionMessages.ResourceManager, nameof(ActionMessages.ActionCheckoutCredentialHidden),
                    string.Join(", ", shield.Files.Select(file => Path.GetRelativePath(settings.Workspace, file).Replace('\\', '/')))));
            }

            await using var executor = new SandboxExecutor(ExecutorOptionsBuilder.Build(settings.AuditLogPath, _options.Endpoint, pathMapper: mapper, time: _options.Time), loggerFactory);
            outcomes = await new StepRunner(executor, console, annotations).RunAsync(steps, settings.Run, cancellationToken).ConfigureAwait(false);
        }

        var tests = TestResultFiles.Read(settings.Workspace, settings.WorkingDirectory, inputs.TestResults, started);
        tests = tests with { Failures = [.. tests.Failures.Select(failure => failure.File is { } file && annotations.WorkspaceRelative(file) is { } relative ? failure with { File = relative } : failure)] };
        if (tests.Any)
        {
            console.WriteLine($"Test results: {tests.Counts} in {tests.Files.Count} file(s)");
        }

        var runHashes = outcomes.Select(outcome => outcome.Result?.AuditRecordHash).OfType<string>();
        return new RunReport
        {
            CheckName = inputs.CheckName,
            Policy = settings.Policy.Name,
            Steps = outcomes,
            NotStarted = steps.Count - outcomes.Count,
            Annotations = [.. annotations.Annotations, .. TestAnnotations.ForCheckRun(tests, annotations)],
            Tests = tests,
            AnnotationsDropped = annotations.Dropped,
            Audit = AuditSummary.Read(settings.AuditLogPath, HostPathOf(mapper, settings.AuditLogPath), runHashes),
        };
    }

    /// <summary>The path as the runner's host sees it (for later steps), or as given when no mount holds it.</summary>
    private static string HostPathOf(IEnginePathMapper mapper, string path)
    {
        try
        {
            return mapper.ToEnginePath(path);
        }
        catch (GadugiException)
        {
            return path;
        }
    }

    /// <summary>Sandboxes are the engine host's siblings of this container: their bind mounts need host paths.</summary>
    private async Task<IEnginePathMapper> CreatePathMapperAsync(ActionSettings settings, CancellationToken cancellationToken)
    {
        var probe = _options.Probe ?? ContainerProbe.FromProcess();
        ISandboxEngine engine;
        try
        {
            engine = await SandboxEngines.ConnectAsync(_options.Endpoint, cancellationToken).ConfigureAwait(false);
        }
        catch (GadugiException)
        {
            // No engine (GBX1001, the only coded failure of connecting): nothing is bind-mounted.
            // Each step then fails with GBX1001 or falls back to the host shell as its policy says.
            return IdentityPathMapper.Instance;
        }

        await using (engine.ConfigureAwait(false))
        {
            return await HostPathMapping.CreateAsync(engine, probe, settings.Workspace, cancellationToken).ConfigureAwait(false);
        }
    }

    private void WriteFileCommands(GitHubContext context, ActionSettings settings, RunReport report)
    {
        try
        {
            if (context.OutputFile is { } output)
            {
                new GitHubOutputWriter(output, console.Redactor).Write(new Dictionary<string, string>
                {
                    [OutputNames.ExitCode] = report.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    [OutputNames.Result] = ResultJson.Serialize(report),
                    [OutputNames.AuditLog] = report.Audit.Path,
                    [OutputNames.ReportFile] = WritePublishedReport(context, settings, report),
                });
            }

            if (context.StepSummaryFile is { } summary)
            {
                new JobSummaryWriter(summary, console.Redactor).Write(
                    MarkdownReport.Build(report, settings.Policy, ReportTarget.JobSummary, Links(context, null)));
            }
        }
        catch (GadugiException ex)
        {
            console.Warning(ex.Diagnostic);
        }
    }

    /// <summary>The report a workflow_run workflow can publish (publish-only mode); its path on the runner's host.</summary>
    private string WritePublishedReport(GitHubContext context, ActionSettings settings, RunReport report)
    {
        var links = Links(context, null);
        var marker = MarkdownReport.Marker(report.CheckName);
        var comment = MarkdownReport.Build(report, settings.Policy, ReportTarget.Comment, links);
        var published = new PublishedReport
        {
            Failed = report.Failed,
            Title = report.Headline,
            Comment = comment.StartsWith(marker, StringComparison.Ordinal) ? comment[marker.Length..].TrimStart('\n') : comment,
            CheckSummary = MarkdownReport.Build(report, settings.Policy, ReportTarget.CheckRun, links),
            Annotations = report.Annotations,
        };
        var path = Path.Combine(Path.GetDirectoryName(settings.AuditLogPath)!, PublishOnly.FileNameFor(report.CheckName));
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, console.Redactor.Redact(published.Serialize()));
        File.Move(temporary, path, overwrite: true);
        return report.Audit.Path is { Length: > 0 } auditOnHost && auditOnHost != settings.AuditLogPath
            ? Path.Combine(Path.GetDirectoryName(auditOnHost)!, Path.GetFileName(path))
            : path;
    }

    private async Task ReportToGitHubAsync(GitHubContext context, ActionInputs inputs, EventPayload payload, ActionSettings settings, RunReport report)
    {
        var plan = ReportingPlan.Decide(inputs, context, payload);
        if (inputs.CommentMode == CommentMode.Off)
        {
            plan = plan with { CommentOn = null };
        }

        var links = Links(context, plan.CheckRunSha);
        var checkRun = plan.CheckRunSha is { } sha && plan.Owner is { } owner && plan.Repository is { } repository
            ? new CheckRunContent
            {
                Owner = owner,
                Repository = repository,
                Name = inputs.CheckName,
                HeadSha = sha,
                Failed = report.Failed,
                Title = report.Headline,
                Summary = MarkdownReport.Build(report, settings.Policy, ReportTarget.CheckRun, links),
                Annotations = report.Annotations,
                CompletedAt = _options.Time.GetUtcNow(),
                DetailsUrl = context.RunUrl,
            }
            : null;
        var pullRequestReport = new PullRequestReport(
            MarkdownReport.Marker(inputs.CheckName),
            MarkdownReport.Build(report, settings.Policy, ReportTarget.Comment, links),
            checkRun)
        {
            // 'failures': a passing run writes no new comment but still updates an earlier one, so it never shows a stale failure.
            CreateComment = inputs.CommentMode == CommentMode.Always || report.Failed,
        };

        // Waits end before the limit (GitHubRetryOptions.Deadline); this also ends a request that hangs.
        using var limit = new CancellationTokenSource(_options.Retry.ReportingTimeLimit);
        await new GitHubReporter(console, _options.Retry).ReportAsync(plan, context.ApiUrl, inputs.GitHubToken, pullRequestReport, limit.Token).ConfigureAwait(false);
    }

    private static ReportLinks Links(GitHubContext context, string? sha) => new(sha ?? context.Sha, context.RunUrl);
}
