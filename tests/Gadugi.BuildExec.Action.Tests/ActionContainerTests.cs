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
public sealed partial class ActionContainerTests
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
        var before = await ManagedContainersAsync();

        var first = await RunActionAsync(run, api, new() { ["run"] = Steps, ["mode"] = "lines" });

        Assert.AreEqual(1, first.ExitCode, first.Output);
        Assert.StartsWith($"::add-mask::{api.Token}\n", first.Stdout);
        Assert.DoesNotContain(api.Token, string.Join('\n', first.Output.Split('\n').Where(line => !line.StartsWith("::add-mask::", StringComparison.Ordinal))), "the runner consumes ::add-mask:: lines; nothing else shows the token");
        Assert.Contains("hello from 10001 in /workspace", first.Stdout);
        Assert.Contains($"Working directory /github/workspace is {run.Workspace} on the engine's host", first.Stdout);
        AssertInsideStoppedCommands(first.Stdout, "::error::injected by the script");

        var outputs = run.Outputs();
        Assert.AreEqual("2", outputs["exit_code"]);
        Assert.AreEqual(run.AuditLog, outputs["audit_log"], "the host path of the log, outside the workspace, for a later step to upload");
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

        await AssertNothingLeftAsync(before, first.ContainerName, records);

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
        await AssertNothingLeftAsync(before, second.ContainerName, all);
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public async Task On_a_fork_pull_request_the_action_writes_the_summary_and_nothing_to_GitHub()
    {
        await using var api = await FakeGitHubApi.StartAsync(token: "ghs_" + Guid.NewGuid().ToString("N"));
        using var run = new ActionWorkspace(Events.PullRequest(headRepository: "forker/sample"));
        run.WriteSampleRepository();
        var before = await ManagedContainersAsync();

        var outcome = await RunActionAsync(run, api, new() { ["run"] = Steps, ["mode"] = "lines" });

        Assert.AreEqual(1, outcome.ExitCode, outcome.Output);
        Assert.IsEmpty(api.Requests);
        Assert.Contains("::warning title=GBX5010::GBX5010: Pull request #7 comes from the fork 'forker/sample'", outcome.Stdout);
        Assert.Contains("2 of 3 steps failed", run.Summary);
        Assert.AreEqual("2", run.Outputs()["exit_code"]);
        await AssertNothingLeftAsync(before, outcome.ContainerName, ReadAudit(run));
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public async Task A_fork_pull_request_asking_its_own_policy_for_network_bridge_gets_no_network()
    {
        await using var api = await FakeGitHubApi.StartAsync(token: "ghs_" + Guid.NewGuid().ToString("N"));
        using var run = new ActionWorkspace(Events.PullRequest(headRepository: "forker/sample"));
        run.WriteFile(".github/sandbox.yml", "policies:\n  build: { image: gadugi/shell:5.2, network: bridge, fallback: shell }\n");
        api.AddFile(Events.Repository, ".github/sandbox.yml", Events.BaseSha, "policies:\n  build: { image: gadugi/shell:5.2 }\n");
        var before = await ManagedContainersAsync();

        var outcome = await RunActionAsync(run, api, new() { ["run"] = "echo \"interfaces: $(ls /sys/class/net | tr '\\n' ' ')\"", ["policy"] = "build", ["policy_file"] = ".github/sandbox.yml" });

        Assert.AreEqual(0, outcome.ExitCode, outcome.Output);
        Assert.Contains("interfaces: lo \n", outcome.Stdout, "the step has loopback only: the fork's network: bridge was not used");
        Assert.Contains("::warning title=GBX5016::", outcome.Stdout);
        Assert.DoesNotContain("GBX5018", outcome.Stdout, "the fork's fallback: shell was never read");
        Assert.IsTrue(api.Requests.Any(request => request.Path.EndsWith("/contents/.github/sandbox.yml", StringComparison.Ordinal)), "the base commit's file was read through the API");
        await AssertNothingLeftAsync(before, outcome.ContainerName, ReadAudit(run));
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public async Task The_token_and_the_persisted_checkout_credential_stay_out_of_everything_the_container_prints_writes_or_sends()
    {
        await using var api = await FakeGitHubApi.StartAsync(token: "ghs_" + Guid.NewGuid().ToString("N"));
        using var run = new ActionWorkspace(Events.PullRequest());
        var basic = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("x-access-token:" + api.Token));
        var config = run.WriteCheckoutGitConfig(basic);
        var forms = ActionRunnerTests.SecretForms(api.Token, basic);
        run.WriteFile("leak.sh", $"""
            cat .git/config
            echo "extraheader lines seen: $(grep -ci extraheader .git/config)"
            echo "token {api.Token} base64 {forms[1]} header {basic}"
            echo "src/Program.cs(1,1): error CS0001: {api.Token}"
            exit 1
            """.Replace("\r", string.Empty, StringComparison.Ordinal));
        run.WriteFile("src/Program.cs", "class Program { }\n");
        var before = await ManagedContainersAsync();

        var outcome = await RunActionAsync(run, api, new() { ["run"] = "leak.sh" });

        Assert.AreEqual(1, outcome.ExitCode, outcome.Output);
        Assert.StartsWith($"::add-mask::{api.Token}\n", outcome.Stdout, "the first line masks the token");
        Assert.Contains("extraheader lines seen: 0", outcome.Stdout, "the sandbox saw .git/config without the credential");
        Assert.Contains("::warning title=GBX5051::", outcome.Stdout);
        Assert.AreEqual(ActionWorkspace.CheckoutGitConfig(basic), File.ReadAllText(config), "the credential is back after the steps");
        var checkRun = api.CheckRuns.Single();
        var texts = new Dictionary<string, string>
        {
            ["console"] = string.Join('\n', (outcome.Stdout + "\n" + outcome.Stderr).Split('\n').Where(line => !line.StartsWith("::add-mask::", StringComparison.Ordinal))),
            ["job summary"] = run.Summary,
            ["outputs"] = File.ReadAllText(run.OutputFile),
            ["comment"] = api.Comments.Single().Body,
            ["check run"] = checkRun.Title + checkRun.Summary + string.Join('\n', checkRun.Annotations.Select(annotation => annotation.ToJsonString())),
            ["request bodies"] = string.Join('\n', api.Requests.Select(request => request.Body)),
        };
        Assert.Contains("token *** base64 *** header ***", texts["comment"], "the comment shows the step's output, redacted");
        Assert.Contains("error CS0001: ***", texts["check run"]);
        foreach (var (where, text) in texts)
        {
            foreach (var form in forms)
            {
                Assert.DoesNotContain(form, text, $"the {where} holds a form of the token");
            }
        }

        await AssertNothingLeftAsync(before, outcome.ContainerName, ReadAudit(run));
    }

    private sealed record ActionRun(string ContainerName, int ExitCode, string Stdout, string Stderr)
    {
        public string Output => Stdout + Stderr;
    }

    /// <summary>docker run as ContainerActionHandler builds it, values passed by name from the environment.</summary>
    private async Task<ActionRun> RunActionAsync(ActionWorkspace run, FakeGitHubApi api, Dictionary<string, string> inputs, IReadOnlyDictionary<string, string>? stepEnvironment = null, string? engineSocket = null, string network = "host")
    {
        var environment = run.Environment(api.ApiUrl, api.Token, inputs);
        foreach (var (variable, value) in stepEnvironment ?? new Dictionary<string, string>())
        {
            environment[variable] = value;
        }

        var name = "gadugi-action-e2e-" + Guid.NewGuid().ToString("N")[..10];
        var arguments = engineSocket is null ? new List<string>() : ["-H", "unix://" + engineSocket];
        arguments.AddRange(new List<string> { "run", "--name", name, "--label", "io.gadugi.test=action-e2e", "--workdir", "/github/workspace", "--rm" });
        foreach (var variable in environment.Keys)
        {
            arguments.AddRange(["-e", variable]);
        }

        arguments.AddRange([
            "-v", (engineSocket ?? "/var/run/docker.sock") + ":/var/run/docker.sock",
            "-v", run.Home + ":/github/home",
            "-v", run.Workflow + ":/github/workflow",
            "-v", run.FileCommands + ":/github/file_commands",
            "-v", run.Workspace + ":/github/workspace",
            // The runner attaches the action to its job network; here host networking is the one way
            // for the container to reach the fake API, which listens on this host's 127.0.0.1 only
            // (never anything beyond loopback). The sandboxes get their own networks from the policy.
            "--network", network,
            ActionImage.Tag,
        ]);
        var outcome = await DockerCli.RunAsync(arguments, TimeSpan.FromMinutes(8), environment, TestContext.CancellationToken);
        return new ActionRun(name, outcome.ExitCode, outcome.Stdout, outcome.Stderr);
    }

    /// <summary>The record that ended each run (their 'started' records left out).</summary>
    private static List<JsonElement> ReadAudit(ActionWorkspace run) =>
        File.ReadLines(run.AuditLog).Select(line => JsonDocument.Parse(line).RootElement.Clone())
            .Where(record => record.GetProperty("status").GetString() != "started").ToList();

    /// <summary>Every container labelled io.gadugi.managed on the engine: id → (execution, owner).</summary>
    private static async Task<Dictionary<string, (string Execution, string Owner)>> ManagedContainersAsync()
    {
        var listing = await DockerCli.CheckedAsync("ps", "-a", "--no-trunc", "--filter", "label=io.gadugi.managed",
            "--format", "{{.ID}}\t{{.Label \"io.gadugi.execution\"}}\t{{.Label \"io.gadugi.owner\"}}");
        return listing.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t'))
            .ToDictionary(parts => parts[0], parts => (parts.Length > 1 ? parts[1] : string.Empty, parts.Length > 2 ? parts[2] : string.Empty));
    }

    /// <summary>
    /// No sandbox of the run is left: the managed containers now are compared with those before the
    /// run. Others' tests may start managed containers meanwhile on the shared engine, so a new one
    /// only passes when it is not one of this run's executions and its owner is a process of this
    /// host's pid namespace: the action's sandboxes are owned by a process in the action container's.
    /// The action container itself must be gone too (the runner passes --rm; checked, not assumed).
    /// </summary>
    private static async Task AssertNothingLeftAsync(Dictionary<string, (string Execution, string Owner)> before, string actionContainer, IEnumerable<JsonElement> records)
    {
        var executions = records.Select(record => record.GetProperty("id").GetString()!).ToHashSet(StringComparer.Ordinal);
        Assert.IsNotEmpty(executions);
        var hostNamespace = new FileInfo("/proc/self/ns/pid").LinkTarget!;
        var after = await ManagedContainersAsync();
        foreach (var (id, (execution, owner)) in after.Where(entry => !before.ContainsKey(entry.Key)))
        {
            Assert.DoesNotContain(execution, executions, $"sandbox {id} of execution {execution} is left");
            Assert.Contains("/" + hostNamespace + "/", owner, $"managed container {id} (execution {execution}) was started from another pid namespace, i.e. by the action's container, and is left");
        }

        Assert.IsFalse(after.Values.Any(entry => executions.Contains(entry.Execution)), "no container of this run's executions exists");
        var action = await DockerCli.RunAsync(["ps", "-aq", "--filter", "name=^/" + actionContainer + "$"], TimeSpan.FromSeconds(30));
        Assert.AreEqual(string.Empty, action.Stdout.Trim(), "the action container is gone");
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
