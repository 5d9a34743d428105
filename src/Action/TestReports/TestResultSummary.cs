namespace Gadugi.BuildExec.Action.TestReports;

/// <summary>One failed test: its name, the first lines of its message and where it failed, when the file says.</summary>
public sealed record FailedTest(string Name, string Message, string? File, int? Line, string ResultFile);

/// <summary>The counts over every result file read, and the failed tests (at most <see cref="MaxFailures"/> kept).</summary>
public sealed record TestResultSummary
{
    public const int MaxFailures = 200;

    public static TestResultSummary None { get; } = new();

    public IReadOnlyList<string> Files { get; init; } = [];

    public int Passed { get; init; }

    public int Failed { get; init; }

    public int Skipped { get; init; }

    public int Total => Passed + Failed + Skipped;

    public IReadOnlyList<FailedTest> Failures { get; init; } = [];

    /// <summary>Files that matched but could not be read as TRX or JUnit XML, with why.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    public bool Any => Files.Count > 0 || Problems.Count > 0;

    public string Counts => $"{Total} test{(Total == 1 ? string.Empty : "s")}: {Passed} passed, {Failed} failed, {Skipped} skipped";

    public TestResultSummary Add(TestResultSummary other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new TestResultSummary
        {
            Files = [.. Files, .. other.Files],
            Passed = Passed + other.Passed,
            Failed = Failed + other.Failed,
            Skipped = Skipped + other.Skipped,
            Failures = [.. Failures.Concat(other.Failures).Take(MaxFailures)],
            Problems = [.. Problems, .. other.Problems],
        };
    }
}
