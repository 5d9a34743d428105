namespace Gadugi.BuildExec.Tasks.Tests.EndToEnd;

/// <summary>dotnet build -p:ContainerizedBuild=true on a console app made with 'dotnet new console'.</summary>
[TestClass]
[DoNotParallelize]
[TestCategory("EndToEnd")]
public sealed class ContainerizedBuildEndToEndTests
{
    private static Dictionary<string, DateTime> SourceTree(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Where(path => !path.StartsWith(Path.Combine(directory, "bin") + "/", StringComparison.Ordinal) && !path.StartsWith(Path.Combine(directory, "obj") + "/", StringComparison.Ordinal))
            .ToDictionary(path => path, File.GetLastWriteTimeUtc);

    [TestMethod]
    public async Task The_project_and_its_reference_compile_in_sandboxes_and_their_output_lands_in_bin()
    {
        var solution = await SampleSolution.GetAsync();
        var assembly = Path.Combine(solution.Built, "bin", "Debug", "net10.0", "Sample.Built.dll");
        foreach (var project in new[] { solution.Built, solution.BuiltLibrary })
        {
            if (Directory.Exists(Path.Combine(project, "bin")))
            {
                Directory.Delete(Path.Combine(project, "bin"), recursive: true);
            }
        }

        var before = SourceTree(solution.Built).Concat(SourceTree(solution.BuiltLibrary)).ToList();
        var records = solution.AuditRecords().Count;

        var result = await solution.DotnetAsync(solution.Built, "build", "-p:ContainerizedBuild=true");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Output, "Sample.BuiltLibrary -> /output/bin/Sample.BuiltLibrary.dll", "the reference was compiled in a sandbox");
        StringAssert.Contains(result.Output, "Sample.Built -> /output/bin/Sample.Built.dll", "the project was compiled in a sandbox");
        StringAssert.Contains(result.Output, $"package props from /input/gadugi.buildexec/{SampleSolution.PackageVersion}/tasks/net10.0/Gadugi.BuildExec.Tasks.dll", "the inner build imports the packages' build files from /input");
        CollectionAssert.AreEquivalent(before, SourceTree(solution.Built).Concat(SourceTree(solution.BuiltLibrary)).ToList(), "only bin/ and obj/ change");

        var added = solution.AuditRecords().Skip(records).ToArray();
        Assert.HasCount(2, added, "one sandboxed build per project");
        CollectionAssert.Contains(added[0].GetProperty("argv").EnumerateArray().Select(a => a.GetString()).ToList(), "/workspace/Sample.BuiltLibrary.csproj", "the host builds the reference first");
        var record = added[1];
        var argv = record.GetProperty("argv").EnumerateArray().Select(a => a.GetString()).ToArray();
        CollectionAssert.IsSubsetOf(new[] { "dotnet", "build", "/workspace/Sample.Built/Sample.Built.csproj", "--no-restore", "-p:ContainerizedBuild=false", "-p:BuildProjectReferences=false", "-p:Configuration=Debug", "-p:TargetFramework=net10.0" }, argv);
        Assert.IsTrue(record.GetProperty("sandboxed").GetBoolean());
        Assert.AreEqual("dotnet", record.GetProperty("policy").GetProperty("name").GetString());
        StringAssert.StartsWith(record.GetProperty("image").GetProperty("reference").GetString(), "gadugi/dotnet-sdk:");
        var limits = record.GetProperty("limits");
        Assert.AreEqual("none", limits.GetProperty("network_mode").GetString());
        var mounts = limits.GetProperty("mounts").EnumerateArray().Select(m => m.GetString()).ToList();
        CollectionAssert.Contains(mounts, $"bind:{solution.Root}->/workspace (ro)", "the workspace widens to hold the reference");
        CollectionAssert.Contains(mounts, $"bind:{solution.Environment["NUGET_PACKAGES"]}->/input (ro)");

        Assert.IsTrue(File.Exists(assembly), result.ToString());
        var run = await solution.DotnetAsync(solution.Built, assembly);
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Output, "built in the sandbox: Sample.Built");
    }

    [TestMethod]
    public async Task A_compile_error_in_the_sandbox_fails_the_build_on_the_host_file()
    {
        var solution = await SampleSolution.GetAsync();

        var result = await solution.DotnetAsync(solution.Built, "build", "--no-restore", "-p:ContainerizedBuild=true", "-p:ContainerizedBuildProperties=Broken=true");

        Assert.AreNotEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Output, Path.Combine(solution.Built, "Broken.cs") + "(3,", "the error names the host file\n" + result);
        StringAssert.Contains(result.Output, "error CS0029:", result.ToString());
        var records = solution.AuditRecords();
        var record = records[^1];
        Assert.AreEqual("dotnet", record.GetProperty("argv")[0].GetString());
        Assert.AreNotEqual(0, record.GetProperty("result").GetProperty("exit_code").GetInt32());
    }

    [ClassCleanup]
    public static async Task No_container_is_left_behind()
    {
        var solution = await SampleSolution.GetAsync();
        var leftovers = await solution.LeftoverContainersAsync();
        Assert.IsEmpty(leftovers, "containers left: " + string.Join(", ", leftovers));
    }
}
