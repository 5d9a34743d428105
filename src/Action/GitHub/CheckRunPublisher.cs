using Gadugi.BuildExec.Action.Reporting;
using Octokit;

namespace Gadugi.BuildExec.Action.GitHub;

/// <summary>
/// Publishes the run as a completed check run. The API takes at most 50 annotations per request, so
/// the check run is created with the first 50 and updated with each further 50; GitHub appends
/// annotations across updates.
/// </summary>
public sealed class CheckRunPublisher(IGitHubClient client, GitHubPipelines pipelines)
{
    public const int AnnotationsPerRequest = 50;

    public sealed record Outcome(long CheckRunId, int Requests, string? HtmlUrl);

    public async Task<Outcome> PublishAsync(CheckRunContent content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var batches = content.Annotations.Select(ToOctokit).Chunk(AnnotationsPerRequest).ToList();
        var first = new NewCheckRun(content.Name, content.HeadSha)
        {
            Status = CheckStatus.Completed,
            Conclusion = content.Failed ? CheckConclusion.Failure : CheckConclusion.Success,
            CompletedAt = content.CompletedAt,
            DetailsUrl = content.DetailsUrl,
            Output = Output(content, batches.Count > 0 ? batches[0] : []),
        };
        var created = await pipelines.Create.ExecuteAsync(
            async _ => await client.Check.Run.Create(content.Owner, content.Repository, first).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);

        foreach (var batch in batches.Skip(1))
        {
            var update = new CheckRunUpdate { Output = Output(content, batch) };
            await pipelines.Read.ExecuteAsync(
                async _ => await client.Check.Run.Update(content.Owner, content.Repository, created.Id, update).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false);
        }

        return new Outcome(created.Id, Math.Max(batches.Count, 1), created.HtmlUrl);
    }

    private static NewCheckRunOutput Output(CheckRunContent content, IReadOnlyList<NewCheckRunAnnotation> annotations) =>
        new(content.Title, content.Summary) { Annotations = annotations };

    private static NewCheckRunAnnotation ToOctokit(Annotation annotation)
    {
        var level = annotation.Severity == AnnotationSeverity.Error ? CheckAnnotationLevel.Failure : CheckAnnotationLevel.Warning;
        var message = annotation.Message.Length > 4000 ? annotation.Message[..4000] + "…" : annotation.Message;
        return new NewCheckRunAnnotation(annotation.Path, annotation.Line, annotation.Line, level, message)
        {
            Title = annotation.Title ?? (annotation.Code is null ? $"Step {annotation.Step}" : $"{annotation.Code} (step {annotation.Step})"),
            StartColumn = annotation.Column,
            EndColumn = annotation.Column,
        };
    }
}

/// <summary>What the check run says.</summary>
public sealed record CheckRunContent
{
    public required string Owner { get; init; }

    public required string Repository { get; init; }

    public required string Name { get; init; }

    public required string HeadSha { get; init; }

    public required bool Failed { get; init; }

    public required string Title { get; init; }

    public required string Summary { get; init; }

    public IReadOnlyList<Annotation> Annotations { get; init; } = [];

    public DateTimeOffset? CompletedAt { get; init; }

    public string? DetailsUrl { get; init; }
}
