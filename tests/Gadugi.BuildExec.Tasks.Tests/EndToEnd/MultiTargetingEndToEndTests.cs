using System.Text.RegularExpressions;

namespace Gadugi.BuildExec.Tasks.Tests.EndToEnd;

/// <summary>
/// A project with &lt;TargetFrameworks&gt;: the package's buildMultiTargeting files serve the outer build,
/// and the ContainerizedStep hook and the containerized test run happen once per target framework (in the
/// inner builds). Only net10.0 is available offline here, so the list has one framework.
/// </summary>
[TestClass]
[DoNotParallelize]
[TestCategory("EndToEnd")]
public sealed class MultiTargetingEndToEndTests
{
    [TestMethod]
    public async Task Steps_and_the_containerized_test_run_happen_once_per_target_framework()
    {
        var solution = await SampleSolution.GetAsync();
        var records = solution.AuditRecords().Count;

        var result = await solution.DotnetAsync(solution.Multi, "test", "--no-restore", "-tl:off", "-p:ContainerizedTest=true");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        Assert.HasCount(1, Regex.Matches(result.Output, @"^\s*containerized-step-for-net10\.0\s*$", RegexOptions.Multiline), result.ToString());
        Assert.HasCount(1, Regex.Matches(result.Output, @"Containerized test run of Sample\.Multi \(net10\.0\): 1 passed, 0 failed, 0 skipped, 1 total\."), result.ToString());
        Assert.IsTrue(File.Exists(Path.Combine(solution.Multi, "TestResults", "Sample.Multi-net10.0.trx")), result.ToString());

        var added = solution.AuditRecords().Skip(records).ToArray();
        Assert.HasCount(2, added, "one step and one test run");
        Assert.AreEqual("shell", added[0].GetProperty("policy").GetProperty("name").GetString());
        Assert.AreEqual("echo containerized-step-for-net10.0", added[0].GetProperty("argv")[2].GetString());
        Assert.AreEqual("dotnet", added[1].GetProperty("policy").GetProperty("name").GetString());
        CollectionAssert.Contains(added[1].GetProperty("argv").EnumerateArray().Select(a => a.GetString()).ToList(), "/workspace/bin/Debug/net10.0/Sample.Multi.dll");
    }

    [ClassCleanup]
    public static async Task No_container_is_left_behind()
    {
        var solution = await SampleSolution.GetAsync();
        var leftovers = await solution.LeftoverContainersAsync();
        Assert.IsEmpty(leftovers, "containers left: " + string.Join(", ", leftovers));
    }
}
