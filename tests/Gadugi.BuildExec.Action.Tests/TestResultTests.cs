using System.Text;
using Gadugi.BuildExec.Action.TestReports;
using Gadugi.BuildExec.Action.Tests.Support;

namespace Gadugi.BuildExec.Action.Tests;

/// <summary>TRX and JUnit XML as the steps leave them: counts, failed tests and where they failed; hostile files read safely.</summary>
[TestClass]
public sealed class TestResultTests
{
    private static TestResultSummary Parse(string xml) => TestResultReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(xml)), "r.xml");

    [TestMethod]
    public void A_trx_gives_counts_and_each_failure_with_its_message_and_the_file_and_line_of_its_stack()
    {
        var summary = Parse(ActionContainerTests.Trx.Trim());

        Assert.AreEqual((1, 1, 1), (summary.Passed, summary.Failed, summary.Skipped));
        var failure = summary.Failures.Single();
        Assert.AreEqual("Sample.Tests.MathTests.Adds", failure.Name);
        Assert.AreEqual("Assert.AreEqual failed. Expected:<4>. Actual:<5>.", failure.Message);
        Assert.AreEqual(("/workspace/tests/MathTests.cs", 12), (failure.File, failure.Line));
    }

    [TestMethod]
    public void JUnit_takes_file_and_line_from_the_testcase_or_else_from_the_failure_text()
    {
        var summary = Parse("""
            <testsuite name="jest">
              <testcase classname="math" name="adds" file="src/math.test.js" line="4"><failure message="expected 4">at x</failure></testcase>
              <testcase classname="calc" name="divides"><error type="Error">Error: boom
                at Object.&lt;anonymous&gt; (src/calc.test.js:17:5)</error></testcase>
              <testcase classname="calc" name="later"><skipped /></testcase>
              <testcase classname="calc" name="ok" />
            </testsuite>
            """);

        Assert.AreEqual((1, 2, 1), (summary.Passed, summary.Failed, summary.Skipped));
        Assert.AreEqual(("math.adds", "expected 4", "src/math.test.js", (int?)4), (summary.Failures[0].Name, summary.Failures[0].Message, summary.Failures[0].File, summary.Failures[0].Line));
        Assert.AreEqual(("calc.divides", "src/calc.test.js", (int?)17), (summary.Failures[1].Name, summary.Failures[1].File, summary.Failures[1].Line));
    }

    [TestMethod]
    public void A_result_file_with_a_DTD_is_refused_so_no_entity_reads_the_runners_files()
    {
        const string xxe = """
            <?xml version="1.0"?>
            <!DOCTYPE testsuite [ <!ENTITY leak SYSTEM "file:///etc/passwd"> ]>
            <testsuite><testcase name="x"><failure message="&leak;" /></testcase></testsuite>
            """;

        Assert.ThrowsExactly<System.Xml.XmlException>(() => Parse(xxe.Trim()));
    }

    [TestMethod]
    public void The_search_follows_no_symbolic_link_and_ContainerizedTest_trx_files_count_only_when_written_during_the_run()
    {
        using var outside = new TempDirectory();
        outside.WriteFile("secret/junit.xml", "<testsuite><testcase name=\"outside\"><failure message=\"from outside\" /></testcase></testsuite>");
        using var workspace = new TempDirectory();
        workspace.WriteFile("reports/own.xml", "<testsuite><testcase name=\"own\"><failure message=\"m\" /></testcase></testsuite>");
        File.CreateSymbolicLink(Path.Combine(workspace.Path, "reports", "linked.xml"), Path.Combine(outside.Path, "secret", "junit.xml"));
        Directory.CreateSymbolicLink(Path.Combine(workspace.Path, "linkdir"), Path.Combine(outside.Path, "secret"));
        workspace.WriteFile("tests/TestResults/old.trx", ActionContainerTests.Trx.Trim());
        File.SetLastWriteTimeUtc(Path.Combine(workspace.Path, "tests/TestResults/old.trx"), DateTime.UtcNow.AddHours(-1));

        var summary = TestResultFiles.Read(workspace.Path, workspace.Path, ["**/*.xml"], DateTimeOffset.UtcNow.AddMinutes(-1));

        CollectionAssert.AreEqual(new[] { "reports/own.xml" }, summary.Files.ToArray());
        Assert.AreEqual("own", summary.Failures.Single().Name);

        File.SetLastWriteTimeUtc(Path.Combine(workspace.Path, "tests/TestResults/old.trx"), DateTime.UtcNow);
        var withTrx = TestResultFiles.Read(workspace.Path, workspace.Path, [], DateTimeOffset.UtcNow.AddMinutes(-1));
        CollectionAssert.AreEqual(new[] { "tests/TestResults/old.trx" }, withTrx.Files.ToArray(), "a TRX written during the run is read without a pattern");
    }
}
