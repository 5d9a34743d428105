namespace Gadugi.BuildExec.Tasks.Tests.EndToEnd;

/// <summary>
/// The package's targets start sandboxes only when a real build needs them: never in a design-time
/// build, and not again for a project whose containerized build or step is up to date.
/// </summary>
[TestClass]
[DoNotParallelize]
[TestCategory("EndToEnd")]
public sealed class IncrementalEndToEndTests
{
    [TestMethod]
    public async Task A_design_time_build_starts_no_sandbox()
    {
        var solution = await SampleSolution.GetAsync();
        var records = solution.AuditRecords().Count;

        // What an IDE's language service asks for: the compiler's command line, the compiler not run.
        string[] designTime = ["-p:DesignTimeBuild=true", "-p:SkipCompilerExecution=true", "-p:ProvideCommandLineArgs=true", "-p:TargetFramework=net10.0", "-v:n"];
        var steps = await solution.DotnetAsync(solution.Multi, ["msbuild", "-t:ResolveReferences;Compile", .. designTime]);
        var build = await solution.DotnetAsync(solution.Built, ["msbuild", "-t:ResolveReferences;Compile", "-p:ContainerizedBuild=true", .. designTime]);

        Assert.AreEqual(0, steps.ExitCode, steps.ToString());
        Assert.AreEqual(0, build.ExitCode, build.ToString());
        StringAssert.Contains(steps.Output, "CoreCompile:", "the design-time build reached the hooked target\n" + steps);
        Assert.DoesNotContain("containerized-step-for-", steps.Output, steps.ToString());
        Assert.HasCount(records, solution.AuditRecords(), "a design-time build started a sandbox");
    }

    [TestMethod]
    public async Task A_second_containerized_build_with_nothing_changed_starts_no_sandbox()
    {
        var solution = await SampleSolution.GetAsync();
        string[] build = ["build", "--no-restore", "-p:ContainerizedBuild=true", "-v:n"];
        var first = await solution.DotnetAsync(solution.Built, build);
        Assert.AreEqual(0, first.ExitCode, first.ToString());
        var records = solution.AuditRecords().Count;

        var second = await solution.DotnetAsync(solution.Built, build);

        Assert.AreEqual(0, second.ExitCode, second.ToString());
        Assert.HasCount(records, solution.AuditRecords(), "the up-to-date build started a sandbox\n" + second);
        StringAssert.Contains(second.Output, "Skipping target \"GadugiContainerizedBuild\" because all output files are up-to-date", second.ToString());

        File.SetLastWriteTimeUtc(Path.Combine(solution.Built, "Program.cs"), DateTime.UtcNow);
        var changed = await solution.DotnetAsync(solution.Built, build);

        Assert.AreEqual(0, changed.ExitCode, changed.ToString());
        var added = solution.AuditRecords().Skip(records).ToArray();
        Assert.HasCount(1, added, "only the changed project is built again, its unchanged reference is not\n" + changed);
        CollectionAssert.Contains(added[0].GetProperty("argv").EnumerateArray().Select(a => a.GetString()).ToList(), "/workspace/Sample.Built/Sample.Built.csproj");

        var rebuilt = await solution.DotnetAsync(solution.Built, "build", "--no-restore", "--no-incremental", "-p:ContainerizedBuild=true");

        Assert.AreEqual(0, rebuilt.ExitCode, rebuilt.ToString());
        Assert.HasCount(2, solution.AuditRecords().Skip(records + 1), "--no-incremental builds the project and its reference again");
    }

    [TestMethod]
    public async Task A_step_with_outputs_is_skipped_when_they_are_newer_than_its_inputs()
    {
        var solution = await SampleSolution.GetAsync();
        var input = Path.Combine(solution.Tool, "step-input.txt");
        await File.WriteAllTextAsync(input, "v1");
        string[] build = ["build", "--no-restore", "-p:IncrementalStep=true"];
        var first = await solution.DotnetAsync(solution.Tool, build);
        Assert.AreEqual(0, first.ExitCode, first.ToString());
        Assert.IsTrue(File.Exists(Path.Combine(solution.Tool, "obj", "step-out", "copied.txt")), first.ToString());
        var records = solution.AuditRecords().Count;

        var upToDate = await solution.DotnetAsync(solution.Tool, build);
        Assert.AreEqual(0, upToDate.ExitCode, upToDate.ToString());
        Assert.HasCount(records, solution.AuditRecords(), "the up-to-date step started a sandbox\n" + upToDate);

        await File.WriteAllTextAsync(input, "v2");
        var changed = await solution.DotnetAsync(solution.Tool, build);

        Assert.AreEqual(0, changed.ExitCode, changed.ToString());
        Assert.HasCount(records + 1, solution.AuditRecords(), changed.ToString());
        Assert.AreEqual("v2", (await File.ReadAllTextAsync(Path.Combine(solution.Tool, "obj", "step-out", "copied.txt"))).Trim());
    }
}
