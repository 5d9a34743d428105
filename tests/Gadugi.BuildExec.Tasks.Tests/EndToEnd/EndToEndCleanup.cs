namespace Gadugi.BuildExec.Tasks.Tests.EndToEnd;

[TestClass]
public static class EndToEndCleanup
{
    [AssemblyCleanup]
    public static void DeleteSampleSolution() => SampleSolution.DeleteIfCreated();
}
