using System.Text.Json;
using System.Text.Json.Serialization;
using Gadugi.BuildExec.Action.Reporting;

namespace Gadugi.BuildExec.Action.GitHub;

/// <summary>
/// The report as the pull request would get it, saved by a run that could not write to GitHub (a
/// fork's) so that a workflow_run workflow can publish it with its own token (publish-only mode:
/// inputs result_file and event_file). Everything in it came from a run of the pull request's code:
/// it is bounded when read and the comment's marker is always the publishing workflow's own.
/// </summary>
public sealed record PublishedReport
{
    public const int FormatVersion = 1;

    public const long MaxFileBytes = 4L * 1024 * 1024;

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        WriteIndented = false,
    };

    public int Version { get; init; } = FormatVersion;

    public required bool Failed { get; init; }

    public required string Title { get; init; }

    /// <summary>The comment body without the marker.</summary>
    public required string Comment { get; init; }

    public required string CheckSummary { get; init; }

    public IReadOnlyList<Annotation> Annotations { get; init; } = [];

    public string Serialize() => JsonSerializer.Serialize(this, Options);

    /// <summary>The file's report, bounded; null with the reason when it is not one.</summary>
    public static PublishedReport Read(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists || info.LinkTarget is not null || info.Length > MaxFileBytes)
        {
            throw new InvalidDataException($"it is missing, a symbolic link or larger than {MaxFileBytes / (1024 * 1024)} MB");
        }

        var report = JsonSerializer.Deserialize<PublishedReport>(File.ReadAllText(path), Options)
            ?? throw new InvalidDataException("it holds no report");
        if (report.Version != FormatVersion)
        {
            throw new InvalidDataException($"its format version is {report.Version}, this action reads {FormatVersion}");
        }

        return report with
        {
            Title = Bounded(report.Title, 200),
            Comment = Bounded(report.Comment, MarkdownReport.MaxLength(ReportTarget.Comment) - 200),
            CheckSummary = Bounded(report.CheckSummary, MarkdownReport.MaxLength(ReportTarget.CheckRun)),
            Annotations = report.Annotations
                .Where(annotation => annotation.Path is { Length: > 0 } p && !Path.IsPathRooted(p) && !p.Split('/').Contains("..") && annotation.Line > 0)
                .Take(AnnotationCollector.Limit)
                .ToList(),
        };
    }

    private static string Bounded(string? text, int max) => text is null ? string.Empty : text.Length > max ? text[..max] : text;
}
