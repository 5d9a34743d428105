using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;

namespace Gadugi.BuildExec.Action.TestReports;

/// <summary>
/// Reads a VSTest TRX file or a JUnit XML file (the format Maven Surefire, pytest, Jest's reporter,
/// Go's converters and most others write) into counts and failed tests. The files come from steps
/// that ran untrusted code, so the reader refuses DTDs (no entity expansion, no external entities)
/// and bounds the size it reads.
/// </summary>
public static partial class TestResultReader
{
    public const long MaxFileBytes = 50L * 1024 * 1024;

    private static readonly XNamespace Trx = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010";

    public static TestResultSummary Read(Stream stream, string displayPath)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = MaxFileBytes, IgnoreComments = true };
        using var reader = XmlReader.Create(stream, settings);
        var document = XDocument.Load(reader);
        var root = document.Root ?? throw new InvalidDataException("the file is empty");
        return root.Name == Trx + "TestRun" ? ReadTrx(root, displayPath)
            : root.Name.LocalName is "testsuites" or "testsuite" ? ReadJUnit(root, displayPath)
            : throw new InvalidDataException($"the root element <{root.Name.LocalName}> is neither a TRX <TestRun> nor JUnit <testsuites>/<testsuite>");
    }

    private static TestResultSummary ReadTrx(XElement root, string displayPath)
    {
        int passed = 0, failed = 0, skipped = 0;
        var failures = new List<FailedTest>();
        foreach (var result in root.Descendants(Trx + "UnitTestResult"))
        {
            switch ((string?)result.Attribute("outcome"))
            {
                case "Passed":
                    passed++;
                    break;
                case "NotExecuted" or "Inconclusive" or "Pending" or "Disconnected" or "Warning" or "NotRunnable":
                    skipped++;
                    break;
                default:
                    failed++;
                    var error = result.Element(Trx + "Output")?.Element(Trx + "ErrorInfo");
                    var stack = (string?)error?.Element(Trx + "StackTrace");
                    var (file, line) = Location(stack);
                    Keep(failures, new FailedTest((string?)result.Attribute("testName") ?? "(unnamed test)", FirstLines((string?)error?.Element(Trx + "Message")), file, line, displayPath));
                    break;
            }
        }

        return new TestResultSummary { Files = [displayPath], Passed = passed, Failed = failed, Skipped = skipped, Failures = failures };
    }

    private static TestResultSummary ReadJUnit(XElement root, string displayPath)
    {
        int passed = 0, failed = 0, skipped = 0;
        var failures = new List<FailedTest>();
        var cases = root.DescendantsAndSelf().Where(element => element.Name.LocalName == "testcase");
        foreach (var testCase in cases)
        {
            var problem = testCase.Elements().FirstOrDefault(element => element.Name.LocalName is "failure" or "error");
            if (problem is null)
            {
                if (testCase.Elements().Any(element => element.Name.LocalName == "skipped"))
                {
                    skipped++;
                }
                else
                {
                    passed++;
                }

                continue;
            }

            failed++;
            var className = (string?)testCase.Attribute("classname");
            var name = (string?)testCase.Attribute("name") ?? "(unnamed test)";
            var message = (string?)problem.Attribute("message") is { Length: > 0 } given ? given : problem.Value;
            var file = (string?)testCase.Attribute("file") ?? (string?)testCase.Parent?.Attribute("file");
            int? line = int.TryParse((string?)testCase.Attribute("line"), NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0 ? number : null;
            if (file is null || line is null)
            {
                var (stackFile, stackLine) = Location(problem.Value);
                file ??= stackFile;
                line ??= file == stackFile ? stackLine : null;
            }

            Keep(failures, new FailedTest(className is { Length: > 0 } ? $"{className}.{name}" : name, FirstLines(message), file, line, displayPath));
        }

        return new TestResultSummary { Files = [displayPath], Passed = passed, Failed = failed, Skipped = skipped, Failures = failures };
    }

    private static void Keep(List<FailedTest> failures, FailedTest failure)
    {
        if (failures.Count < TestResultSummary.MaxFailures)
        {
            failures.Add(failure);
        }
    }

    /// <summary>The first frame that names a source file: .NET's "in FILE:line N", or "FILE:N" (Python, Java, JavaScript, Go).</summary>
    internal static (string? File, int? Line) Location(string? stack)
    {
        if (string.IsNullOrEmpty(stack))
        {
            return (null, null);
        }

        var match = DotNetFrame().Match(stack);
        if (!match.Success)
        {
            match = FileColonLine().Match(stack);
        }

        return match.Success && int.TryParse(match.Groups["line"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var line)
            ? (match.Groups["file"].Value.Trim(), line)
            : (null, null);
    }

    private static string FirstLines(string? message)
    {
        if (string.IsNullOrWhiteSpace(message))
        {
            return "(no message)";
        }

        var lines = message.Replace("\r", string.Empty, StringComparison.Ordinal).Trim().Split('\n').Take(10);
        var text = string.Join('\n', lines);
        return text.Length > 2000 ? text[..2000] + "…" : text;
    }

    [GeneratedRegex(@" in (?<file>[^\r\n]+?):line (?<line>\d+)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex DotNetFrame();

    [GeneratedRegex(@"(?<file>(?:[A-Za-z]:)?[\w./\\-]+\.[A-Za-z]{1,6})[:(](?:line )?(?<line>\d+)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex FileColonLine();
}
