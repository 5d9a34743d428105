using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Tasks.Resources;

namespace Gadugi.BuildExec.Tasks;

/// <summary>One failed test from a TRX file.</summary>
public sealed record FailedTest(string Name, string Message);

/// <summary>The counts and failures of a VSTest TRX file (ResultSummary/Counters and UnitTestResult elements).</summary>
public sealed record TrxSummary(int Total, int Executed, int Passed, int Failed, IReadOnlyList<FailedTest> Failures)
{
    private static readonly XNamespace Ns = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010";

    /// <summary>Tests that did not run (skipped, ignored, not executed).</summary>
    public int Skipped => Math.Max(0, Total - Executed);

    public static TrxSummary Load(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return Parse(XDocument.Load(stream, LoadOptions.None), path);
        }
        catch (Exception ex) when (ex is XmlException or IOException or UnauthorizedAccessException)
        {
            throw new GadugiException(Diagnostic.Create(TaskMessages.ResourceManager, nameof(TaskMessages.TrxUnreadable), path, ex.Message), ex);
        }
    }

    public static TrxSummary Parse(XDocument document, string path)
    {
        ArgumentNullException.ThrowIfNull(document);
        var counters = document.Root?.Element(Ns + "ResultSummary")?.Element(Ns + "Counters")
            ?? throw new GadugiException(Diagnostic.Create(TaskMessages.ResourceManager, nameof(TaskMessages.TrxUnreadable), path, "it has no TestRun/ResultSummary/Counters element"));

        var failures = document.Root!.Element(Ns + "Results")?.Elements(Ns + "UnitTestResult")
            .Where(result => (string?)result.Attribute("outcome") is "Failed" or "Error" or "Timeout" or "Aborted")
            .Select(result => new FailedTest(
                (string?)result.Attribute("testName") ?? "(unnamed test)",
                FirstLine((string?)result.Element(Ns + "Output")?.Element(Ns + "ErrorInfo")?.Element(Ns + "Message") ?? string.Empty)))
            .ToArray() ?? [];

        var failed = Count(counters, "failed") + Count(counters, "error") + Count(counters, "timeout") + Count(counters, "aborted");
        return new TrxSummary(Count(counters, "total"), Count(counters, "executed"), Count(counters, "passed"), Math.Max(failed, failures.Length), failures);
    }

    private static int Count(XElement counters, string name) =>
        int.TryParse((string?)counters.Attribute(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;

    private static string FirstLine(string text)
    {
        var trimmed = text.Trim();
        var newline = trimmed.IndexOfAny(['\r', '\n']);
        return newline < 0 ? trimmed : trimmed[..newline];
    }
}
