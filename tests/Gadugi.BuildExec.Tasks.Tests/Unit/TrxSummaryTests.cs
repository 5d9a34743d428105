using System.Xml.Linq;
using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Tasks.Tests.Unit;

[TestClass]
public sealed class TrxSummaryTests
{
    internal const string FailingRun = """
        <?xml version="1.0" encoding="utf-8"?>
        <TestRun id="1" name="run" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
          <Results>
            <UnitTestResult testName="Adds" outcome="Passed" />
            <UnitTestResult testName="Divides" outcome="Failed">
              <Output><ErrorInfo><Message>Assert.AreEqual failed. Expected:&lt;2&gt;. Actual:&lt;3&gt;.
        second line</Message><StackTrace>at X</StackTrace></ErrorInfo></Output>
            </UnitTestResult>
            <UnitTestResult testName="Ignored" outcome="NotExecuted" />
          </Results>
          <ResultSummary outcome="Failed">
            <Counters total="3" executed="2" passed="1" failed="1" error="0" timeout="0" aborted="0" inconclusive="0" notExecuted="1" />
          </ResultSummary>
        </TestRun>
        """;

    [TestMethod]
    public void Counts_and_failures_come_from_the_TRX()
    {
        var summary = TrxSummary.Parse(XDocument.Parse(FailingRun), "run.trx");

        Assert.AreEqual(3, summary.Total);
        Assert.AreEqual(1, summary.Passed);
        Assert.AreEqual(1, summary.Failed);
        Assert.AreEqual(1, summary.Skipped);
        Assert.HasCount(1, summary.Failures);
        Assert.AreEqual(new FailedTest("Divides", "Assert.AreEqual failed. Expected:<2>. Actual:<3>."), summary.Failures[0]);
    }

    [TestMethod]
    public void A_TRX_without_counters_is_GBX4013()
    {
        var error = Assert.ThrowsExactly<GadugiException>(() => TrxSummary.Parse(XDocument.Parse("<TestRun xmlns=\"http://microsoft.com/schemas/VisualStudio/TeamTest/2010\" />"), "x.trx"));

        Assert.AreEqual("GBX4013", error.Code);
    }

    [TestMethod]
    public void A_file_that_is_not_XML_is_GBX4013()
    {
        var path = Path.Combine(Path.GetTempPath(), $"gbx-{Guid.NewGuid():N}.trx");
        File.WriteAllText(path, "<TestRun");
        try
        {
            Assert.AreEqual("GBX4013", Assert.ThrowsExactly<GadugiException>(() => TrxSummary.Load(path)).Code);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
