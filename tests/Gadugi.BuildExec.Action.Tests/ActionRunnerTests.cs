using System.Text.Json;
using Gadugi.BuildExec.Action.Context;
using Gadugi.BuildExec.Action.Tests.Fakes;
using Gadugi.BuildExec.Action.Tests.Support;
using Gadugi.BuildExec.Core.Audit;

namespace Gadugi.BuildExec.Action.Tests;

/// <summary>
/// The whole action in this process, on this host: real sandboxes on the engine (or the host shell
/// when a policy falls back), real Octokit against the fake API.
/// </summary>
[TestClass]
public sealed class ActionRunnerTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Failing_steps_with_fail_on_never_report_but_do_not_fail_the_action()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var run = new ActionWorkspace(Events.PullRequest());
        using var console = new ConsoleCapture();

        var exit = await RunAsync(run, api, console, new() { ["run"] = "true\nexit 4\nexit 5", ["mode"] = "lines", ["fail_on"] = "never" });

        Assert.AreEqual(0, exit, console.Text);
        var outputs = run.Outputs();
        Assert.AreEqual("4", outputs["exit_code"], "the first failing step's code");
        using var result = JsonDocument.Parse(outputs["result"]);
        Assert.AreEqual(2, result.RootElement.GetProperty("failed_steps").GetInt32());
        Assert.IsTrue(result.RootElement.GetProperty("steps").EnumerateArray().All(step => step.GetProperty("sandboxed").GetBoolean()));
        Assert.AreEqual("failure", api.CheckRuns.Single().Conclusion);
    }

    [TestMethod]
    public async Task Working_directory_and_policy_file_apply_and_annotations_are_workspace_relative()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var run = new ActionWorkspace(Events.PullRequest());
        using var console = new ConsoleCapture();
        run.WriteFile("app/src/Lib.cs", "class Lib { }\n");
        run.WriteFile("app/build.sh", "pwd\necho 'src/Lib.cs(2,3): error CS0246: type not found'\nexit 1\n");
        run.WriteFile(".github/gadugi.yml", "policies:\n  small:\n    image: gadugi/shell:5.2\n    memory: 96m\n    cpus: 0.5\n    timeout: 5m\n");

        var exit = await RunAsync(run, api, console, new() { ["run"] = "build.sh", ["working_directory"] = "app", ["policy"] = "small", ["policy_file"] = ".github/gadugi.yml" });

        Assert.AreEqual(1, exit, console.Text);
        Assert.Contains("/workspace\n", console.Text, "the working directory is the sandbox's /workspace");
        Assert.Contains("96 MiB memory · 0.5 CPU", run.Summary);
        Assert.Contains("timeout 5m", run.Summary);
        Assert.HasCount(1, api.CheckRuns, console.Text);
        Assert.HasCount(1, api.CheckRuns[0].Annotations, console.Text);
        var annotation = api.CheckRuns[0].Annotations[0];
        Assert.AreEqual("app/src/Lib.cs", annotation["path"]!.GetValue<string>());
        Assert.AreEqual(2, annotation["start_line"]!.GetValue<int>());
        Assert.AreEqual(3, annotation["start_column"]!.GetValue<int>());
        Assert.AreEqual("CS0246 (step 1)", annotation["title"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task A_step_that_cannot_start_is_reported_and_the_others_still_run()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var run = new ActionWorkspace(Events.PullRequest());
        using var console = new ConsoleCapture();
        run.WriteFile("p.yml", "policies:\n  ghost:\n    image: gadugi/absent:0\n");

        var exit = await RunAsync(run, api, console, new() { ["run"] = "echo one\necho two", ["mode"] = "lines", ["policy"] = "ghost", ["policy_file"] = "p.yml" });

        Assert.AreEqual(1, exit);
        Assert.AreEqual("125", run.Outputs()["exit_code"]);
        Assert.Contains("::error title=GBX5007::GBX5007: Step 1 ('echo one') could not run: GBX1201: Image 'gadugi/absent:0'", console.Text);
        Assert.Contains("::error title=GBX5007::GBX5007: Step 2 ('echo two') could not run", console.Text);
        Assert.Contains("⛔ not run (GBX5007)", run.Summary);
    }

    [TestMethod]
    public async Task Without_an_engine_a_fallback_policy_is_not_honoured_and_nothing_runs_in_the_action()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var run = new ActionWorkspace(Events.PullRequest());
        using var console = new ConsoleCapture();
        var marker = Path.Combine(run.Home, "ran-in-the-action");
        run.WriteFile("p.yml", "policies:\n  host:\n    image: gadugi/shell:5.2\n    fallback: shell\n");
        var options = new ActionRunnerOptions { Endpoint = new Uri("unix:///nonexistent/gadugi-test.sock") };

        var exit = await RunAsync(run, api, console, new() { ["run"] = "touch " + marker, ["policy"] = "host", ["policy_file"] = "p.yml" }, options);

        Assert.AreEqual(1, exit, console.Text);
        Assert.IsFalse(File.Exists(marker), "the step ran unsandboxed in the action's process");
        Assert.Contains("::warning title=GBX5018::GBX5018: Policy 'host' says fallback: shell", console.Text);
        Assert.Contains("GBX1001", console.Text);
        Assert.DoesNotContain("UNSANDBOXED", console.Text);
        Assert.DoesNotContain("⚠️ fallback (unsandboxed)", run.Summary);
        var record = File.ReadLines(run.AuditLog).Single();
        Assert.Contains("\"status\":\"failed\"", record);
    }

    [TestMethod]
    public async Task Output_of_a_step_cannot_issue_workflow_commands()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var run = new ActionWorkspace(Events.PullRequest());
        using var console = new ConsoleCapture();

        await RunAsync(run, api, console, new() { ["run"] = "echo '::add-mask::hello'; printf '::error::injected'" });

        var lines = console.Lines.ToList();
        var injected = lines.FindIndex(line => line.StartsWith("::error::injected", StringComparison.Ordinal));
        var stop = lines.FindLastIndex(injected, line => line.StartsWith("::stop-commands::", StringComparison.Ordinal));
        var token = lines[stop]["::stop-commands::".Length..];
        var resume = lines.FindIndex(line => line == $"::{token}::");
        Assert.IsTrue(stop >= 0 && stop < injected && injected < resume, string.Join('\n', lines));
        Assert.IsGreaterThan(stop, lines.FindIndex(line => line == "::add-mask::hello"), "the mask request is inside the stopped region too");
        Assert.AreEqual("::error::injected", lines[injected], "an unterminated last line is closed before the resume marker");
        Assert.IsGreaterThanOrEqualTo(32, token.Length);
    }

    [TestMethod]
    public async Task Invalid_inputs_fail_before_anything_runs()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var run = new ActionWorkspace(Events.PullRequest());
        using var console = new ConsoleCapture();

        var exit = await RunAsync(run, api, console, new() { ["run"] = "echo hi", ["working_directory"] = "../../.." });

        Assert.AreEqual(1, exit);
        Assert.Contains("::error title=GBX5005::GBX5005: Input 'working_directory' ('../../..')", console.Text);
        Assert.IsFalse(File.Exists(run.AuditLog));
        Assert.IsEmpty(api.Requests);
        Assert.AreEqual(string.Empty, run.Summary);
    }

    [TestMethod]
    public async Task A_fork_pull_request_gets_the_summary_but_no_write()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var run = new ActionWorkspace(Events.PullRequest(headRepository: "forker/sample"));
        using var console = new ConsoleCapture();

        var exit = await RunAsync(run, api, console, new() { ["run"] = "echo from a fork" });

        Assert.AreEqual(0, exit);
        Assert.IsEmpty(api.Requests);
        Assert.Contains("::warning title=GBX5010::", console.Text);
        Assert.Contains("| 1 | <code>echo from a fork</code> | ✅ 0 |", run.Summary);
        var verification = AuditVerifier.Verify(run.AuditLog);
        Assert.IsTrue(verification.IsIntact);
        Assert.Contains(verification.HeadHash, run.Summary);
    }

    [TestMethod]
    public async Task The_token_and_the_persisted_checkout_credential_reach_no_sandbox_and_nothing_written_or_sent()
    {
        await using var api = await FakeGitHubApi.StartAsync(token: "ghs_" + Guid.NewGuid().ToString("N"));
        using var run = new ActionWorkspace(Events.PullRequest());
        using var console = new ConsoleCapture();
        var basic = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("x-access-token:" + api.Token));
        var config = run.WriteCheckoutGitConfig(basic);
        var nested = run.WriteFile("sub/.git/config", CheckoutGitConfig(basic)); // actions/checkout with 'path: sub'
        var forms = SecretForms(api.Token, basic);
        run.WriteFile("leak.sh", $"""
            cat .git/config sub/.git/config
            grep -c extraheader .git/config || true
            grep -c extraheader sub/.git/config || true
            echo "token {api.Token} and base64 {forms[1]} and header {basic}"
            echo "src/Lib.cs(1,2): error CS0001: leaked {api.Token}"
            exit 1
            """.Replace("\r", string.Empty, StringComparison.Ordinal));

        // The second step's command line holds the token: text that never passes the output sink.
        var exit = await RunAsync(run, api, console, new() { ["run"] = "leak.sh\ntrue " + api.Token, ["mode"] = "lines" });

        Assert.AreEqual(1, exit, console.Text);
        Assert.Contains("<code>true ***</code>", api.Comments.Single().Body, "the reporter redacts what it sends, whatever built it");
        Assert.StartsWith($"::add-mask::{api.Token}\n", console.Text, "the token is masked before anything else is printed");
        Assert.Contains("::warning title=GBX5051::GBX5051: actions/checkout left a Git credential in .git/config, sub/.git/config", console.Text);
        Assert.Contains("\n0\n0\n", console.Text, "the sandbox saw .git/config and the nested checkout's config without the extraheader line");
        Assert.Contains("token *** and base64 *** and header ***", console.Text);
        Assert.AreEqual(File.ReadAllText(config), CheckoutGitConfig(basic), "the credential is back for later steps of the job");
        Assert.AreEqual(File.ReadAllText(nested), CheckoutGitConfig(basic), "the nested checkout's credential is back too");
        var texts = new Dictionary<string, string>
        {
            ["console (after the masks)"] = string.Join('\n', console.Lines.Where(line => !line.StartsWith("::add-mask::", StringComparison.Ordinal))),
            ["job summary"] = run.Summary,
            ["outputs"] = File.ReadAllText(run.OutputFile),
            ["comment"] = api.Comments.Single().Body,
            ["requests"] = string.Join('\n', api.Requests.Select(request => request.Body)),
        };
        var checkRun = api.CheckRuns.Single();
        texts["check run"] = checkRun.Title + checkRun.Summary + string.Join('\n', checkRun.Annotations.Select(annotation => annotation.ToJsonString()));
        Assert.Contains("leaked ***", checkRun.Annotations.Single()["message"]!.GetValue<string>());
        Assert.Contains("token *** and base64 ***", api.Comments.Single().Body, "the comment carries the step's output, redacted");
        foreach (var (where, text) in texts)
        {
            foreach (var form in forms)
            {
                Assert.DoesNotContain(form, text, $"{where} holds a form of the token");
            }
        }
    }

    [TestMethod]
    public async Task A_fork_pull_request_runs_under_the_base_commits_policy_not_the_one_in_its_checkout()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        var payload = Events.PullRequest(headRepository: "forker/sample");
        using var run = new ActionWorkspace(payload);
        using var console = new ConsoleCapture();
        run.WriteFile(".github/sandbox.yml", "policies:\n  build: { image: gadugi/shell:5.2, network: bridge, memory: 2g, workspace: rw }\n");
        api.AddFile(Events.Repository, ".github/sandbox.yml", Events.BaseSha, "policies:\n  build: { image: gadugi/shell:5.2, memory: 96m }\n");

        var exit = await RunAsync(run, api, console, new() { ["run"] = "echo \"interfaces: $(ls /sys/class/net | tr '\\n' ' ')\"; touch /workspace/written || echo read-only", ["policy"] = "build", ["policy_file"] = ".github/sandbox.yml" });

        Assert.AreEqual(0, exit, console.Text);
        Assert.Contains("interfaces: lo \n", console.Text, "no network: the pull request's network: bridge was not used");
        Assert.Contains("read-only", console.Text, "the pull request's workspace: rw was not used");
        Assert.Contains("::warning title=GBX5016::GBX5016: The pull request's code is not trusted to choose its sandbox: policy_file '.github/sandbox.yml' was read from the base commit " + Events.BaseSha, console.Text);
        Assert.Contains("96 MiB memory", run.Summary);
        Assert.IsTrue(api.Requests.Any(request => request.Path.EndsWith("/contents/.github/sandbox.yml", StringComparison.Ordinal) && request.Query.Contains(Events.BaseSha, StringComparison.Ordinal)));
    }

    [TestMethod]
    public async Task A_pull_request_target_run_whose_base_has_no_policy_file_gets_the_built_in_policy()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var run = new ActionWorkspace(Events.PullRequest(), eventName: "pull_request_target");
        using var console = new ConsoleCapture();
        run.WriteFile(".github/sandbox.yml", "policies:\n  build: { image: gadugi/shell:5.2, network: bridge, fallback: shell }\n");

        var exit = await RunAsync(run, api, console, new() { ["run"] = "echo \"interfaces: $(ls /sys/class/net | tr '\\n' ' ')\"", ["policy"] = "build", ["policy_file"] = ".github/sandbox.yml" });

        Assert.AreEqual(0, exit, console.Text);
        Assert.Contains("interfaces: lo \n", console.Text);
        Assert.Contains("::warning title=GBX5017::GBX5017: policy_file '.github/sandbox.yml' could not be read from the base commit", console.Text);
        Assert.Contains("built-in policy 'shell'", console.Text);
        Assert.DoesNotContain("GBX5018", console.Text, "the pull request's file was never read, so neither was its fallback");
    }

    [TestMethod]
    public async Task A_committed_link_or_forged_history_at_the_old_log_place_is_not_the_actions_log()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var run = new ActionWorkspace(Events.PullRequest());
        using var console = new ConsoleCapture();
        var victim = Path.Combine(run.Home, "victim.txt");
        File.WriteAllText(victim, "untouched\n");
        Directory.CreateDirectory(Path.Combine(run.Workspace, ".gadugi"));
        File.CreateSymbolicLink(Path.Combine(run.Workspace, ".gadugi", "audit.jsonl"), victim);
        var forged = Path.Combine(run.Workspace, "forged", "audit.jsonl");
        var forgedLog = new AuditLog(forged);
        for (var i = 0; i < 5; i++)
        {
            await forgedLog.AppendAsync(new AuditRecord { Id = "forged" + i, Time = DateTimeOffset.UnixEpoch, Who = new AuditActor("x", 0, "x", 1, "action"), Status = AuditStatus.Completed, Policy = new AuditPolicy("shell", "built-in"), Argv = ["true"] }, CancellationToken.None);
        }

        Assert.IsTrue(AuditVerifier.Verify(forged).IsIntact, "the forged history verifies by itself");
        run.WriteFile("p.yml", "policies:\n  rw: { image: gadugi/shell:5.2, workspace: rw }\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(run.Workspace, (UnixFileMode)0x1FF);
            File.SetUnixFileMode(Path.Combine(run.Workspace, ".gadugi"), (UnixFileMode)0x1FF);
        }

        // An rw step tries to append a forged record to the log and to swap it for a FIFO.
        var exit = await RunAsync(run, api, console, new() { ["run"] = "echo '{\"seq\":99}' >> .gadugi/audit.jsonl; rm -f .gadugi/audit.jsonl; mkfifo .gadugi/audit.jsonl; echo tried\ntrue", ["mode"] = "lines", ["policy"] = "rw", ["policy_file"] = "p.yml" });

        Assert.AreEqual(0, exit, console.Text);
        Assert.AreEqual("untouched\n", File.ReadAllText(victim), "nothing was appended through the committed link");
        var records = File.ReadAllLines(run.AuditLog);
        Assert.HasCount(4, records, "the action's own log holds this run's records (started and completed for each of its two steps) and nothing else");
        var verification = AuditVerifier.Verify(run.AuditLog, AuditVerifier.Hash(records[^1]));
        Assert.IsTrue(verification.IsIntact, verification.ToString());
        Assert.Contains("4 record(s), chain intact, 2 from this run", run.Summary);
        Assert.Contains(verification.HeadHash, run.Summary);
        Assert.AreEqual(run.AuditLog, run.Outputs()["audit_log"]);
        Assert.AreEqual(victim, new FileInfo(Path.Combine(run.Workspace, ".gadugi", "audit.jsonl")).LinkTarget, "the rw step could not replace the link (.gadugi is protected)");
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task A_fifo_at_the_actions_log_is_a_coded_error_in_the_report_not_a_crash_or_a_hang()
    {
        await using var api = await FakeGitHubApi.StartAsync();
        using var run = new ActionWorkspace(Events.PullRequest());
        using var console = new ConsoleCapture();
        Directory.CreateDirectory(Path.GetDirectoryName(run.AuditLog)!);
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [run.AuditLog]))
        {
            await mkfifo.WaitForExitAsync();
        }

        var exit = await RunAsync(run, api, console, new() { ["run"] = "true" });

        Assert.AreEqual(1, exit, console.Text);
        Assert.Contains("GBX1310", console.Text);
        Assert.Contains("GBX1310", run.Summary);
        Assert.DoesNotContain("GBX9000", console.Text);
    }

    /// <summary>The token, its base64 at the three alignments (as found inside a longer base64 text) and the basic header value.</summary>
    internal static string[] SecretForms(string token, string basic) =>
    [
        token,
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(token)).TrimEnd('='),
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("a" + token))[4..^4],
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("ab" + token))[4..^4],
        basic,
    ];

    internal static string CheckoutGitConfig(string basic) => ActionWorkspace.CheckoutGitConfig(basic);

    private Task<int> RunAsync(ActionWorkspace run, FakeGitHubApi api, ConsoleCapture console, Dictionary<string, string> inputs, ActionRunnerOptions? options = null)
    {
        var environment = new ActionEnvironment(run.Environment(api.ApiUrl, api.Token, inputs, workspaceInside: run.Workspace));
        return new ActionRunner(environment, console.Console, options).RunAsync(TestContext.CancellationToken);
    }
}
