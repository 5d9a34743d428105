using System.Text.Json;

namespace Gadugi.BuildExec.Tasks.Tests.EndToEnd;

/// <summary>dotnet test -p:ContainerizedTest=true on an MSTest project made with 'dotnet new mstest'.</summary>
[TestClass]
[DoNotParallelize]
[TestCategory("EndToEnd")]
public sealed class ContainerizedTestEndToEndTests
{
    private static Dictionary<string, DateTime> SourceTree(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Where(path => !path.Contains("/bin/", StringComparison.Ordinal) && !path.Contains("/obj/", StringComparison.Ordinal) && !path.Contains("/TestResults/", StringComparison.Ordinal))
            .ToDictionary(path => path, File.GetLastWriteTimeUtc);

    [TestMethod]
    public async Task Tests_run_in_the_sandbox_and_results_come_back()
    {
        var solution = await SampleSolution.GetAsync();
        var before = SourceTree(solution.Tests);

        var result = await solution.DotnetAsync(solution.Tests, "test", "--no-restore", "-p:ContainerizedTest=true", "--filter", "TestCategory!=Broken");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Output, "Containerized test run of Sample.Tests (net10.0): 5 passed, 0 failed, 0 skipped, 5 total.");
        var trx = Path.Combine(solution.Tests, "TestResults", "Sample.Tests-net10.0.trx");
        Assert.IsTrue(File.Exists(trx), result.ToString());
        StringAssert.Contains(File.ReadAllText(trx), "Runs_without_network_as_the_sandbox_user");
        CollectionAssert.AreEquivalent(before.ToList(), SourceTree(solution.Tests).ToList(), "the source tree is unchanged");

        var record = solution.AuditRecords().Last(r => r.GetProperty("argv")[0].GetString() == "dotnet");
        var argv = record.GetProperty("argv").EnumerateArray().Select(a => a.GetString()).ToArray();
        Assert.IsTrue(record.GetProperty("sandboxed").GetBoolean());
        StringAssert.StartsWith(record.GetProperty("image").GetProperty("reference").GetString(), "gadugi/dotnet-sdk:");
        CollectionAssert.IsSubsetOf(new[] { "dotnet", "test", "/workspace/bin/Debug/net10.0/Sample.Tests.dll", "--results-directory", "/output", "--filter", "TestCategory!=Broken" }, argv);
        Assert.AreEqual("dotnet", record.GetProperty("policy").GetProperty("name").GetString());
        var limits = record.GetProperty("limits");
        Assert.AreEqual("none", limits.GetProperty("network_mode").GetString());
        Assert.IsGreaterThanOrEqualTo(2L * 1024 * 1024 * 1024, limits.GetProperty("memory_bytes").GetInt64());
        Assert.IsGreaterThanOrEqualTo(1024L, limits.GetProperty("pids_limit").GetInt64());
        var mounts = limits.GetProperty("mounts").EnumerateArray().Select(m => m.GetString()).ToList();
        CollectionAssert.Contains(mounts, $"bind:{solution.Tests}->/workspace (ro)");
        CollectionAssert.Contains(mounts, $"bind:{solution.Environment["NUGET_PACKAGES"]}->/input (ro)", "the package folder is mounted read-only");
        Assert.AreEqual(Path.Combine(solution.Tests, "TestResults"), record.GetProperty("output").GetString());
    }

    [TestMethod]
    public async Task Code_coverage_collected_in_the_sandbox_comes_back()
    {
        var solution = await SampleSolution.GetAsync();
        var results = Path.Combine(solution.Tests, "TestResults");
        var before = Directory.Exists(results) ? Directory.GetFiles(results, "coverage.cobertura.xml", SearchOption.AllDirectories) : [];

        var result = await solution.DotnetAsync(solution.Tests, "test", "--no-restore", "-p:ContainerizedTest=true", "--filter", "TestCategory!=Broken", "--collect", "XPlat Code Coverage", "--blame");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        // The test platform reports the attachment in <results>/<guid>/ (the collector's own copy stays in <results>/<deployment>/In/).
        var coverage = Directory.GetFiles(results, "coverage.cobertura.xml", SearchOption.AllDirectories).Except(before)
            .Where(path => !path.Contains("/In/", StringComparison.Ordinal)).ToArray();
        Assert.HasCount(1, coverage, "one new coverage report came back through /output\n" + result);
        StringAssert.Contains(File.ReadAllText(coverage[0]), "<coverage line-rate=");
        StringAssert.Contains(result.Output, "Attachment: " + coverage[0]);
        var argv = solution.AuditRecords().Last(r => r.GetProperty("argv")[0].GetString() == "dotnet").GetProperty("argv").EnumerateArray().Select(a => a.GetString()).ToArray();
        CollectionAssert.IsSubsetOf(new[] { "--collect", "XPlat Code Coverage", "--blame" }, argv);
    }

    [TestMethod]
    public async Task A_failing_test_fails_the_build_with_GBX4010()
    {
        var solution = await SampleSolution.GetAsync();

        var result = await solution.DotnetAsync(solution.Tests, "test", "--no-restore", "-p:ContainerizedTest=true", "--filter", "TestCategory=Broken");

        Assert.AreNotEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Output, "error GBX4010: 1 of 1 test(s) failed in the sandbox for Sample.Tests (net10.0): Breaks.");
        StringAssert.Contains(result.Output, "Failed Breaks: Assert.Fail failed. deliberately broken");
    }

    [ClassCleanup]
    public static async Task No_container_is_left_behind()
    {
        var solution = await SampleSolution.GetAsync();
        var leftovers = await solution.LeftoverContainersAsync();
        Assert.IsEmpty(leftovers, "containers left: " + string.Join(", ", leftovers));
    }
}
