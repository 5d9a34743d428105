using Gadugi.BuildExec.Action.Tests.Fakes;
using Gadugi.BuildExec.Action.Tests.Support;
using Gadugi.BuildExec.Core.Audit;

namespace Gadugi.BuildExec.Action.Tests;

/// <summary>The action's <c>workflow:</c> input through the built image, run as the runner runs it.</summary>
public sealed partial class ActionContainerTests
{
    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public async Task The_action_container_runs_a_workflow_in_sibling_sandboxes_and_reports_its_table_everywhere()
    {
        await using var api = await FakeGitHubApi.StartAsync(token: "ghs_" + Guid.NewGuid().ToString("N"));
        using var run = new ActionWorkspace(Events.PullRequest());
        run.WriteFile(".gadugi/workflow.yaml", """
            version: 1
            isolation: directory
            phases:
              - { id: build, policy: shell, steps: [ { run: 'echo built > /output/built.txt' } ] }
              - id: testing
                policy: shell
                steps:
                  - run: '[ "$GADUGI_TASK" != b ] || { echo "assertion failed in b" >&2; exit 3; }'
            tasks:
              - { id: a }
              - { id: b }
            """);
        var before = await ManagedContainersAsync();

        var outcome = await RunActionAsync(run, api, new() { ["workflow"] = ".gadugi/workflow.yaml", ["max_parallel"] = "2" });

        Assert.AreEqual(1, outcome.ExitCode, outcome.Output);
        Assert.Contains("b/testing: failed", outcome.Stdout);
        foreach (var text in new[] { run.Summary, api.Comments.Single().Body, api.CheckRuns.Single().Summary! })
        {
            Assert.Contains("| task | build | testing |", text);
            Assert.Contains("assertion failed in b", text, "the failing phase's last lines");
            Assert.Contains("Audit chain: OK: 8 record(s), chain intact", text);
        }

        Assert.AreEqual(Events.HeadSha, api.CheckRuns.Single().HeadSha);
        Assert.AreEqual("failure", api.CheckRuns.Single().Conclusion);
        var outputs = run.Outputs();
        Assert.AreEqual("1", outputs["exit_code"]);
        Assert.AreEqual(run.AuditLog, outputs["audit_log"], "the log's host path, for a later step");
        var verdict = AuditVerifier.Verify(run.AuditLog);
        Assert.IsTrue(verdict.IsIntact, verdict.ToString());
        Assert.AreEqual("built\n", File.ReadAllText(Directory.GetFiles(Path.Combine(run.Workspace, ".gadugi", "runs"), "built.txt", SearchOption.AllDirectories).First()), "the run's state is in the host's workspace");
        await AssertNothingLeftAsync(before, outcome.ContainerName, ReadAudit(run));
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public async Task On_a_fork_pull_request_the_action_container_runs_the_base_commits_workflow_not_the_forks()
    {
        await using var api = await FakeGitHubApi.StartAsync(token: "ghs_" + Guid.NewGuid().ToString("N"));
        using var run = new ActionWorkspace(Events.PullRequest(headRepository: "forker/sample"));
        run.WriteFile(".gadugi/workflow.yaml", ActionWorkflowTests.ForkWorkflow);
        run.WriteFile(".gadugi/policies.yaml", "policies:\n  build: { image: gadugi/shell:5.2, network: bridge }\n");
        api.AddFile(Events.Repository, ".gadugi/workflow.yaml", Events.BaseSha, ActionWorkflowTests.BaseWorkflow);
        api.AddFile(Events.Repository, ".gadugi/policies.yaml", Events.BaseSha, "policies:\n  build: { image: gadugi/shell:5.2 }\n");
        var before = await ManagedContainersAsync();

        var outcome = await RunActionAsync(run, api, new() { ["workflow"] = ".gadugi/workflow.yaml" });

        Assert.AreEqual(0, outcome.ExitCode, outcome.Output);
        Assert.Contains("::warning title=GBX5072::", outcome.Stdout);
        Assert.Contains("| task | from-base |", run.Summary);
        Assert.DoesNotContain("from-fork", run.Summary + outcome.Output);
        var net = Directory.GetFiles(Path.Combine(run.Workspace, ".gadugi", "runs"), "net.txt", SearchOption.AllDirectories).Single();
        Assert.AreEqual("lo ", File.ReadAllText(net), "the base commit's policy applied: no network");
        Assert.IsEmpty(api.Writes, "a fork's run sends nothing to GitHub");
        await AssertNothingLeftAsync(before, outcome.ContainerName, ReadAudit(run));
    }
}
