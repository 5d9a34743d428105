using System.Text.Json;

namespace Gadugi.BuildExec.Tasks.Tests.EndToEnd;

/// <summary>
/// The packed package in a project made with 'dotnet new', built with 'dotnet build' on the real
/// engine (images gadugi/shell:5.2 and gadugi/dotnet-sdk:&lt;SDK&gt;, built with 'gadugi-exec images build').
/// </summary>
[TestClass]
[DoNotParallelize]
[TestCategory("EndToEnd")]
public sealed class ContainerExecEndToEndTests
{
    public TestContext TestContext { get; set; } = null!;

    private static async Task<(SampleSolution Solution, ProcessResult Result)> BuildToolAsync(string property, IReadOnlyDictionary<string, string>? environment = null, string verbosity = "n")
    {
        var solution = await SampleSolution.GetAsync();
        var result = await solution.DotnetAsync(solution.Tool, environment, "build", "--no-restore", "-tl:off", "-v:" + verbosity, $"-p:{property}=true");
        return (solution, result);
    }

    private static JsonElement LastRecord(SampleSolution solution, Func<JsonElement, bool> match) =>
        solution.AuditRecords().Last(match);

    [TestMethod]
    public async Task Output_streams_into_the_build_log_with_canonical_warnings()
    {
        var (solution, result) = await BuildToolAsync("RunHello");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Output, "hello from the sandbox");
        StringAssert.Contains(result.Output, "to-stderr");
        StringAssert.Contains(result.Output, $"{solution.Tool}/Class1.cs(1,2): warning XY1: careful", "canonical lines become warnings, with /workspace mapped to the project");
        // stdout and stderr are separate pipes: "to-stderr" may arrive anywhere, stdout keeps its order.
        var captured = result.Output.Split('\n').Single(line => line.Contains("captured: ", StringComparison.Ordinal));
        var items = captured[(captured.IndexOf("captured: ", StringComparison.Ordinal) + "captured: ".Length)..captured.IndexOf(" (execution", StringComparison.Ordinal)].Split('|');
        CollectionAssert.Contains(items, "to-stderr");
        CollectionAssert.AreEqual(new[] { "hello from the sandbox", "10001" }, items.Where(item => item != "to-stderr").Take(2).ToArray());

        var record = LastRecord(solution, r => r.GetProperty("argv")[2].GetString()!.StartsWith("echo hello", StringComparison.Ordinal));
        Assert.IsTrue(record.GetProperty("sandboxed").GetBoolean());
        Assert.AreEqual("msbuild", record.GetProperty("who").GetProperty("caller").GetString());
        Assert.AreEqual("gadugi/shell:5.2", record.GetProperty("image").GetProperty("reference").GetString());
        StringAssert.Contains(result.Output, "(execution " + record.GetProperty("id").GetString() + ")");
    }

    [TestMethod]
    public async Task A_failing_command_fails_the_build_with_GBX4001()
    {
        var (_, result) = await BuildToolAsync("RunFail");

        Assert.AreNotEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Output, "about to fail");
        StringAssert.Contains(result.Output, "error GBX4001: The command 'echo about to fail; exit 3' exited with code 3");
    }

    [TestMethod]
    public async Task A_timeout_is_reported_as_GBX4002_and_the_record_says_killed()
    {
        var (solution, result) = await BuildToolAsync("RunTimeout");

        Assert.AreNotEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Output, "error GBX4002: The command 'echo sleeping; sleep 60' was killed after the timeout of 3s");
        var record = LastRecord(solution, r => r.GetProperty("argv")[2].GetString() == "echo sleeping; sleep 60");
        Assert.AreEqual("killed", record.GetProperty("status").GetString());
        Assert.AreEqual("timeout", record.GetProperty("result").GetProperty("kill_reason").GetString());
    }

    [TestMethod]
    [DataRow("0", DisplayName = "MSBuild's own per-task load contexts")]
    [DataRow("1", DisplayName = "MSBUILDSINGLELOADCONTEXT=1: every task assembly in one context")]
    public async Task Another_tasks_YamlDotNet_and_logging_versions_do_not_clash(string singleLoadContext)
    {
        var environment = new Dictionary<string, string> { ["MSBUILDSINGLELOADCONTEXT"] = singleLoadContext };

        var (_, result) = await BuildToolAsync("RunConflict", environment, verbosity: "d");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        // The other task keeps its YamlDotNet 13 (its logging version is MSBuild's choice: 8.0 from its folder,
        // or the SDK's 10.0 in the single-context mode); ours gets the versions it was built with in its own context.
        var probes = result.Output.Split('\n').Where(line => line.Contains("YamlProbe: YamlDotNet 13.0.0.0, Microsoft.Extensions.Logging.Abstractions ", StringComparison.Ordinal) && line.Contains(", value 13", StringComparison.Ordinal)).ToArray();
        Assert.HasCount(2, probes, "the other task runs before and after ContainerExec with its own versions\n" + result.Output);
        StringAssert.Contains(result.Output, "load context 'Gadugi.BuildExec.Tasks: ");
        var ownYaml = typeof(YamlDotNet.RepresentationModel.YamlStream).Assembly.GetName().Version;
        var ownLogging = typeof(Microsoft.Extensions.Logging.Abstractions.NullLogger).Assembly.GetName().Version;
        Assert.AreNotEqual(new Version(13, 0, 0, 0), ownYaml, "the package's YamlDotNet differs from the other task's");
        StringAssert.Contains(result.Output, $"': YamlDotNet {ownYaml}, Microsoft.Extensions.Logging.Abstractions {ownLogging}");
        StringAssert.Contains(result.Output, "image: gadugi/shell:5.2", "the policy file was parsed with the package's YamlDotNet and cat ran in the sandbox");
    }

    [ClassCleanup]
    public static async Task No_container_is_left_behind()
    {
        var solution = await SampleSolution.GetAsync();
        var leftovers = await solution.LeftoverContainersAsync();
        Assert.IsEmpty(leftovers, "containers left: " + string.Join(", ", leftovers));
    }
}
