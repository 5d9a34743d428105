using Gadugi.BuildExec.Action.Reporting;
using Gadugi.BuildExec.Action.TestReports;

namespace Gadugi.BuildExec.Action.Running;

/// <summary>Everything the summary, the outputs and the pull request are told about one run of the action.</summary>
public sealed record RunReport
{
    public required string CheckName { get; init; }

    public required string Policy { get; init; }

    public required IReadOnlyList<StepOutcome> Steps { get; init; }

    public IReadOnlyList<Annotation> Annotations { get; init; } = [];

    public int AnnotationsDropped { get; init; }

    public required AuditSummary Audit { get; init; }

    /// <summary>Steps planned but not run (the job was cancelled).</summary>
    public int NotStarted { get; init; }

    /// <summary>What the test result files (TRX, JUnit XML) the steps left say.</summary>
    public TestResultSummary Tests { get; init; } = TestResultSummary.None;

    public int FailedCount => Steps.Count(step => step.Failed);

    public bool Failed => FailedCount > 0 || NotStarted > 0 || Tests.Failed > 0;

    /// <summary>The first failing step's exit code, 0 when all passed.</summary>
    public int ExitCode => Steps.FirstOrDefault(step => step.Failed)?.ExitCode ?? (NotStarted > 0 ? 130 : 0);

    public string Headline => StepsHeadline + (Tests.Total > 0 ? $", {TestsHeadline}" : string.Empty);

    private string TestsHeadline => Tests.Failed > 0 ? $"{Tests.Failed} of {Tests.Total} tests failed" : $"{Tests.Passed} test{(Tests.Passed == 1 ? string.Empty : "s")} passed";

    private string StepsHeadline => FailedCount > 0 || NotStarted > 0
        ? NotStarted > 0
            ? $"cancelled after {Steps.Count} of {Steps.Count + NotStarted} steps, {FailedCount} failed"
            : $"{FailedCount} of {Steps.Count} step{(Steps.Count == 1 ? string.Empty : "s")} failed"
        : Steps.Count == 1 ? "1 step passed" : $"all {Steps.Count} steps passed";
}
