using System.Text.RegularExpressions;

namespace Gadugi.BuildExec.Tasks.Tests.EndToEnd;

/// <summary>
/// A project with &lt;TargetFrameworks&gt;net10.0;netalias&lt;/TargetFrameworks&gt; (the second an alias of
/// .NET 10, the one targeting pack available offline): the package's buildMultiTargeting files serve the
/// outer build, and the ContainerizedStep hook and the containerized test run happen once per target
/// framework, in each inner build, on that framework's own assembly.
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
        string[] frameworks = ["net10.0", SampleSolution.SecondFramework];

        var result = await solution.DotnetAsync(solution.Multi, "test", "--no-restore", "-tl:off", "-p:ContainerizedTest=true");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        var added = solution.AuditRecords().Skip(records).ToArray();
        Assert.HasCount(2 * frameworks.Length, added, "one step and one test run per framework");
        foreach (var framework in frameworks)
        {
            Assert.HasCount(1, Regex.Matches(result.Output, $@"^\s*containerized-step-for-{Regex.Escape(framework)}\s*$", RegexOptions.Multiline), framework + ": " + result);
            Assert.HasCount(1, Regex.Matches(result.Output, $@"Containerized test run of Sample\.Multi \({Regex.Escape(framework)}\): 1 passed, 0 failed, 0 skipped, 1 total\."), framework + ": " + result);
            Assert.IsTrue(File.Exists(Path.Combine(solution.Multi, "TestResults", $"Sample.Multi-{framework}.trx")), framework + ": " + result);
            Assert.AreEqual(1, added.Count(record => record.GetProperty("policy").GetProperty("name").GetString() == "shell" && record.GetProperty("argv")[2].GetString() == $"echo containerized-step-for-{framework}"), framework);
            Assert.AreEqual(1, added.Count(record => record.GetProperty("policy").GetProperty("name").GetString() == "dotnet" && record.GetProperty("argv").EnumerateArray().Any(a => a.GetString() == $"/workspace/bin/Debug/{framework}/Sample.Multi.dll")), framework + ": its own assembly was tested");
        }
    }

    [ClassCleanup]
    public static async Task No_container_is_left_behind()
    {
        var solution = await SampleSolution.GetAsync();
        var leftovers = await solution.LeftoverContainersAsync();
        Assert.IsEmpty(leftovers, "containers left: " + string.Join(", ", leftovers));
    }
}
