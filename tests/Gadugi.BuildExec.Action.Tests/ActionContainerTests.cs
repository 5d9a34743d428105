using System.Text.Json;
using Gadugi.BuildExec.Action.Tests.Fakes;
using Gadugi.BuildExec.Action.Tests.Support;
using Gadugi.BuildExec.Core.Audit;

namespace Gadugi.BuildExec.Action.Tests;

/// <summary>
/// The built action image, run the way the runner runs a 'runs.using: docker' action: the same
/// variables and /github/* mounts (from directories on this host, the workspace at a host path
/// other than /github/workspace), the Docker socket, --rm. --network host lets the action reach
/// the fake API on this host's loopback. The sandboxes it starts are real siblings on the engine.
/// </summary>
[TestClass]
public sealed class ActionContainerTests
{
    private const string Steps = "echo \"hello from $(id -u) in $(pwd)\"\nscripts/check.sh\nexit 3";

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task BuildImage(TestContext context) => await ActionImage.EnsureAsync();

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public async Task The_action_container_runs_the_steps_in_sandboxes_and_keeps_one_comment_up_to_date()
    {
        await using var api = await FakeGitHubApi.StartAsync(token: "ghs_" + Guid.NewGuid().ToString("N"));
        using var run = new ActionWorkspace(Events.PullRequest());
        run.WriteSampleRepository();

        var first = await RunActionAsync(run, api, new() { ["run"] = Steps });

        Assert.AreEqual(1, first.ExitCode, first.Output);
        Assert.DoesNotContain(api.Token, first.Output);
        Assert.Contains("hello from 10001 in /workspace", first.Stdout);
        Assert.Contains($"Working directory /github/workspace is {run.Workspace} on the engine's host", first.Stdout);
        AssertInsideStoppedCommands(first.Stdout, "::error::injected by the script");

        var outputs = run.Outputs();
        Assert.AreEqual("2", outputs["exit_code"]);
        Assert.AreEqual(".gadugi/audit.jsonl", outputs["audit_log"]);
        using var result = JsonDocument.Parse(outputs["result"]);
        var steps = result.RootElement.GetProperty("steps").EnumerateArray().ToList();
        CollectionAssert.AreEqual(new[] { 0, 2, 3 }, steps.Select(step => step.GetProperty("exit_code").GetInt32()).ToArray());

        var records = ReadAudit(run);
        Assert.HasCount(3, records);
        Assert.IsTrue(records.All(record => record.GetProperty("sandboxed").GetBoolean()));
        Assert.IsTrue(records.All(record => record.GetProperty("who").GetProperty("caller").GetString() == "action"));
        var verification = AuditVerifier.Verify(run.AuditLog);
        Assert.IsTrue(verification.IsIntact, verification.ToString());
        Assert.AreEqual(verification.HeadHash, result.RootElement.GetProperty("audit").GetProperty("head_hash").GetString());

        var summary = run.Summary;
        Assert.StartsWith("### ❌ Gadugi BuildExec · gadugi: 2 of 3 steps failed", summary);
        Assert.Contains("| 2 | <code>scripts/check.sh</code> | ❌ 2 |", summary);
        Assert.Contains("src/Program.cs(12,7): error CS1002: ; expected [/workspace/sample.csproj]", summary);
        Assert.Contains(verification.HeadHash, summary);

        var comment = api.Comments.Single();
        Assert.StartsWith("<!-- gadugi-buildexec:gadugi -->", comment.Body);
        Assert.Contains("| 3 | <code>exit 3</code> | ❌ 3 |", comment.Body);
        var checkRun = api.CheckRuns.Single();
        Assert.AreEqual(Events.HeadSha, checkRun.HeadSha);
        Assert.AreEqual("failure", checkRun.Conclusion);
        var annotations = checkRun.Annotations.Select(a => (a["path"]!.GetValue<string>(), a["start_line"]!.GetValue<int>(), a["annotation_level"]!.GetValue<string>())).ToArray();
        CollectionAssert.AreEquivalent(new[] { ("src/Program.cs", 12, "failure"), ("src/Program.cs", 3, "warning") }, annotations);

        await AssertNothingLeftAsync(first.ContainerName, records);

        var second = await RunActionAsync(run, api, new() { ["run"] = "echo fixed" });

        Assert.AreEqual(0, second.ExitCode, second.Output);
        Assert.AreEqual(comment.Id, api.Comments.Single().Id, "the same comment is updated, not a second one created");
        Assert.AreEqual(1, api.Comments.Single().Updates);
        Assert.Contains("### ✅ Gadugi BuildExec · gadugi: 1 step passed", api.Comments.Single().Body);
        Assert.HasCount(2, api.CheckRuns);
        Assert.AreEqual("success", api.CheckRuns[1].Conclusion);
        var all = ReadAudit(run);
        Assert.HasCount(4, all);
        Assert.IsTrue(AuditVerifier.Verify(run.AuditLog).IsIntact, "the second run continues the same chain");
        await AssertNothingLeftAsync(second.ContainerName, all);
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public async Task On_a_fork_pull_request_the_action_writes_the_summary_and_nothing_to_GitHub()
    {
        await using var api = await FakeGitHubApi.StartAsync(token: "ghs_" + Guid.NewGuid().ToString("N"));
        using var run = new ActionWorkspace(Events.PullRequest(headRepository: "forker/sample"));
        run.WriteSampleRepository();

        var outcome = await RunActionAsync(run, api, new() { ["run"] = Steps });

        Assert.AreEqual(1, outcome.ExitCode, outcome.Output);
        Assert.IsEmpty(api.Requests);
        Assert.Contains("::warning title=GBX5010::GBX5010: Pull request #7 comes from the fork 'forker/sample'", outcome.Stdout);
        Assert.Contains("2 of 3 steps failed", run.Summary);
        Assert.AreEqual("2", run.Outputs()["exit_code"]);
        await AssertNothingLeftAsync(outcome.ContainerName, ReadAudit(run));
    }

    private sealed record ActionRun(string ContainerName, int ExitCode, string Stdout, string Stderr)
    {
        public string Output => Stdout + Stderr;
    }

    /// <summary>docker run as ContainerActionHandler builds it, values passed by name from the environment.</summary>
    private async Task<ActionRun> RunActionAsync(ActionWorkspace run, FakeGitHubApi api, Dictionary<string, string> inputs)
    {
        var environment = run.Environment(api.ApiUrl, api.Token, inputs);
        var name = "gadugi-action-e2e-" + Guid.NewGuid().ToString("N")[..10];
        var arguments = new List<string> { "run", "--name", name, "--label", "io.gadugi.test=action-e2e", "--workdir", "/github/workspace", "--rm" };
        foreach (var variable in environment.Keys)
        {
            arguments.AddRange(["-e", variable]);
        }

        arguments.AddRange([
            "-v", "/var/run/docker.sock:/var/run/docker.sock",
            "-v", run.Home + ":/github/home",
            "-v", run.Workflow + ":/github/workflow",
            "-v", run.FileCommands + ":/github/file_commands",
            "-v", run.Workspace + ":/github/workspace",
            "--network", "host",
            ActionImage.Tag,
        ]);
        var outcome = await DockerCli.RunAsync(arguments, TimeSpan.FromMinutes(8), environment, TestContext.CancellationToken);
        return new ActionRun(name, outcome.ExitCode, outcome.Stdout, outcome.Stderr);
    }

    private static List<JsonElement> ReadAudit(ActionWorkspace run) =>
        File.ReadLines(run.AuditLog).Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();

    private static async Task AssertNothingLeftAsync(string actionContainer, IEnumerable<JsonElement> records)
    {
        var action = await DockerCli.RunAsync(["ps", "-aq", "--filter", "name=^/" + actionContainer + "$"], TimeSpan.FromSeconds(30));
        Assert.AreEqual(string.Empty, action.Stdout.Trim(), "the action container was started with --rm");
        foreach (var record in records)
        {
            var execution = record.GetProperty("id").GetString()!;
            var left = await DockerCli.RunAsync(["ps", "-aq", "--filter", "label=io.gadugi.managed", "--filter", "label=io.gadugi.execution=" + execution], TimeSpan.FromSeconds(30));
            Assert.AreEqual(string.Empty, left.Stdout.Trim(), $"sandbox of execution {execution} is gone");
            var container = record.GetProperty("container_id").GetString()!;
            Assert.AreNotEqual(0, (await DockerCli.RunAsync(["inspect", container], TimeSpan.FromSeconds(30))).ExitCode);
        }
    }

    private static void AssertInsideStoppedCommands(string stdout, string line)
    {
        var lines = stdout.Split('\n').ToList();
        var at = lines.IndexOf(line);
        Assert.IsGreaterThanOrEqualTo(0, at, stdout);
        var stop = lines.FindLastIndex(at, candidate => candidate.StartsWith("::stop-commands::", StringComparison.Ordinal));
        Assert.IsGreaterThanOrEqualTo(0, stop);
        var resume = lines.IndexOf("::" + lines[stop]["::stop-commands::".Length..] + "::");
        Assert.IsGreaterThan(at, resume);
    }
}
