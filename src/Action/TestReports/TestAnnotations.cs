using Gadugi.BuildExec.Action.Logging;
using Gadugi.BuildExec.Action.Reporting;

namespace Gadugi.BuildExec.Action.TestReports;

/// <summary>
/// Failed tests and compiler messages as annotations: on the check run (a failed test that names a
/// workspace file and line) and as the runner's '::error file=…,line=…::' commands, which need no
/// token and so also mark a fork's pull request.
/// </summary>
public static class TestAnnotations
{
    /// <summary>At most this many workflow-command annotations per kind (GitHub shows only the first few per step anyway).</summary>
    public const int MaxCommands = 50;

    public static IReadOnlyList<Annotation> ForCheckRun(TestResultSummary tests, AnnotationCollector places)
    {
        ArgumentNullException.ThrowIfNull(tests);
        ArgumentNullException.ThrowIfNull(places);
        var annotations = new List<Annotation>();
        foreach (var failure in tests.Failures)
        {
            if (failure.File is { } file && places.WorkspaceRelative(file) is { } path)
            {
                annotations.Add(new Annotation(path, failure.Line ?? 1, null, AnnotationSeverity.Error, null, failure.Message, 0) { Title = "Test failed: " + failure.Name });
            }
        }

        return annotations;
    }

    public static void WriteCommands(ActionConsole console, IReadOnlyList<Annotation> compiler, TestResultSummary tests, AnnotationCollector places)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(compiler);
        ArgumentNullException.ThrowIfNull(tests);
        ArgumentNullException.ThrowIfNull(places);
        foreach (var annotation in compiler.Where(annotation => annotation.Title is null).OrderByDescending(annotation => annotation.Severity).Take(MaxCommands))
        {
            var title = annotation.Code is null ? $"Step {annotation.Step}" : annotation.Code;
            console.Annotate(annotation.Severity == AnnotationSeverity.Error, annotation.Message, annotation.Path, annotation.Line, annotation.Column, title);
        }

        foreach (var failure in tests.Failures.Take(MaxCommands))
        {
            var path = failure.File is { } file ? places.WorkspaceRelative(file) : null;
            console.Annotate(true, failure.Message, path ?? failure.ResultFile, path is null ? null : failure.Line, null, "Test failed: " + failure.Name);
        }
    }
}
