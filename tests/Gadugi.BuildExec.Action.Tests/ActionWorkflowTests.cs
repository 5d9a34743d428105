using Gadugi.BuildExec.Action.Context;
using Gadugi.BuildExec.Action.Tests.Fakes;
using Gadugi.BuildExec.Action.Tests.Support;

namespace Gadugi.BuildExec.Action.Tests;

/// <summary>The action's workflow: input in this process, real sandboxes, real Octokit against the fake API.</summary>
[TestClass]
public sealed class ActionWorkflowTests
{
    private const string Workflow = """
        version: 1
        isolation: directory
        phases:
          - { id: build, policy: shell, steps: [ { run: 'echo building $GADUGI_TASK' } ] }
          - id: testing
            policy: shell
            steps:
              - run: '[ "$GADUGI_TASK" != b ] || { echo "assertion failed in b" >&2; exit 3; }'
        tasks:
          - { id: a }
          - { id: b }
          - { id: c, needs: [b] }
        """;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task A_workflow_reports_its_task_by_phase_table_in_the_summary_the_comment_and_the_check_run()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var run = new ActionWorkspace(Events.PullRequest());
        using var console = new ConsoleCapture();
        run.WriteFile(".gadugi/workflow.yaml", Workflow);

        var exit = await RunAsync(run, api, console, new() { ["workflow"] = ".gadugi/workflow.yaml", ["max_parallel"] = "2" });

        Assert.AreEqual(1, exit, console.Text);
        foreach (var text in new[] { run.Summary, api.Comments.Single().Body, api.CheckRuns.Single().Summary! })
        {
            Assert.Contains("| task | build | testing |", text);
            Assert.Contains("| c (blocked by b/testing) |", text);
            Assert.Contains("assertion failed in b", text, "the failing phase's last lines");
            Assert.Contains("Audit chain: OK: 8 record(s), chain intact", text);
        }

        Assert.AreEqual("failure", api.CheckRuns.Single().Conclusion);
        Assert.AreEqual("1", run.Outputs()["exit_code"]);
    }

    [TestMethod]
    public async Task Run_and_workflow_together_are_a_coded_error_and_nothing_runs()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var run = new ActionWorkspace(Events.PullRequest());
        using var console = new ConsoleCapture();
        run.WriteFile(".gadugi/workflow.yaml", Workflow);

        var exit = await RunAsync(run, api, console, new() { ["workflow"] = ".gadugi/workflow.yaml", ["run"] = "make" });

        Assert.AreEqual(1, exit, console.Text);
        Assert.Contains("GBX5070", console.Text);
        Assert.IsEmpty(api.CheckRuns);
    }

    /// <summary>The base branch's workflow: one phase, whose step records the network interfaces it sees.</summary>
    internal const string BaseWorkflow = """
        version: 1
        policy_file: policies.yaml
        isolation: directory
        phases:
          - { id: from-base, policy: build, steps: [ { run: 'ls /sys/class/net | tr "\n" " " > /output/net.txt' } ] }
        tasks:
          - { id: a }
        """;

    /// <summary>What a fork puts in its checkout instead: its own phase, under its own policy with network: bridge.</summary>
    internal const string ForkWorkflow = """
        version: 1
        policy_file: policies.yaml
        isolation: directory
        phases:
          - { id: from-fork, policy: build, steps: [ { run: 'echo the fork chose this' } ] }
        tasks:
          - { id: a }
        """;

    [TestMethod]
    public async Task On_a_fork_pull_request_the_workflow_and_its_policy_file_are_read_from_the_base_commit()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var run = new ActionWorkspace(Events.PullRequest(headRepository: "forker/sample"));
        using var console = new ConsoleCapture();
        run.WriteFile(".gadugi/workflow.yaml", ForkWorkflow);
        run.WriteFile(".gadugi/policies.yaml", "policies:\n  build: { image: gadugi/shell:5.2, network: bridge }\n");
        api.AddFile(Events.Repository, ".gadugi/workflow.yaml", Events.BaseSha, BaseWorkflow);
        api.AddFile(Events.Repository, ".gadugi/policies.yaml", Events.BaseSha, "policies:\n  build: { image: gadugi/shell:5.2 }\n");

        var exit = await RunAsync(run, api, console, new() { ["workflow"] = ".gadugi/workflow.yaml" });

        Assert.AreEqual(0, exit, console.Text);
        Assert.Contains("GBX5072", console.Text);
        Assert.Contains("| task | from-base |", run.Summary);
        Assert.DoesNotContain("from-fork", run.Summary);
        var net = Directory.GetFiles(Path.Combine(run.Workspace, ".gadugi", "runs"), "net.txt", SearchOption.AllDirectories).Single();
        Assert.AreEqual("lo ", File.ReadAllText(net), "the base commit's policy (no network) applied, not the fork's network: bridge");
        var paths = api.Requests.Select(request => request.Path).ToList();
        Assert.IsTrue(paths.Any(path => path.EndsWith("/contents/.gadugi/workflow.yaml", StringComparison.Ordinal)), string.Join(", ", paths));
        Assert.IsTrue(paths.Any(path => path.EndsWith("/contents/.gadugi/policies.yaml", StringComparison.Ordinal)), string.Join(", ", paths));
        Assert.IsEmpty(api.Writes, "a fork's run sends nothing to GitHub");
    }

    [TestMethod]
    public async Task On_a_fork_pull_request_a_workflow_missing_from_the_base_commit_is_a_coded_error_and_the_forks_copy_never_runs()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var run = new ActionWorkspace(Events.PullRequest(headRepository: "forker/sample"));
        using var console = new ConsoleCapture();
        run.WriteFile(".gadugi/workflow.yaml", ForkWorkflow);
        run.WriteFile(".gadugi/policies.yaml", "policies:\n  build: { image: gadugi/shell:5.2, network: bridge }\n");

        var exit = await RunAsync(run, api, console, new() { ["workflow"] = ".gadugi/workflow.yaml" });

        Assert.AreEqual(1, exit, console.Text);
        Assert.Contains("::error title=GBX5071::GBX5071: workflow '.gadugi/workflow.yaml' could not be read from the base commit " + Events.BaseSha, console.Text);
        Assert.IsFalse(Directory.Exists(Path.Combine(run.Workspace, ".gadugi", "runs")), "nothing ran");
    }

    private Task<int> RunAsync(ActionWorkspace run, FakeGitHubApi api, ConsoleCapture console, Dictionary<string, string> inputs)
    {
        var environment = new ActionEnvironment(run.Environment(api.ApiUrl, api.Token, inputs, workspaceInside: run.Workspace));
        return new ActionRunner(environment, console.Console).RunAsync(TestContext.CancellationToken);
    }
}
