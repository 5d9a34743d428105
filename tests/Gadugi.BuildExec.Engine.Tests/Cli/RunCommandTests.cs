using System.Text.Json;
using Gadugi.BuildExec.Core.Audit;
using Gadugi.BuildExec.Engine.Tests.Support;

namespace Gadugi.BuildExec.Engine.Tests.Cli;

[TestClass]
public sealed class RunCommandTests
{
    private string _workspace = string.Empty;
    private string _audit = string.Empty;

    [TestInitialize]
    public void CreateWorkspace()
    {
        _workspace = Directory.CreateTempSubdirectory("gadugi-cli-test-").FullName;
        File.SetUnixFileMode(_workspace, (UnixFileMode)0x1ED);
        _audit = Path.Combine(_workspace, ".audit", "audit.jsonl");
    }

    [TestCleanup]
    public void DeleteWorkspace() => Directory.Delete(_workspace, recursive: true);

    [TestMethod]
    public async Task Is_a_drop_in_for_bash_script_sh()
    {
        // A Gadugi PreToolUse hook: reads JSON on stdin, writes to both streams, exits 2 to block.
        File.WriteAllText(Path.Combine(_workspace, "hook.sh"), """
            payload=$(cat)
            echo "checked: $payload"
            echo "blocked by policy" >&2
            exit 2
            """);

        var direct = await ChildProcess.RunAsync("bash", ["hook.sh"], new ChildProcessOptions { WorkingDirectory = _workspace, Stdin = "{\"tool\":\"Bash\"}" });
        var sandboxed = await Support.Cli.RunAsync(_workspace, Support.Cli.AuditTo(_audit), "{\"tool\":\"Bash\"}", "run", "--policy", "shell", "--", "bash", "hook.sh");

        Assert.AreEqual(2, direct.ExitCode);
        Assert.AreEqual(direct.ExitCode, sandboxed.ExitCode);
        Assert.AreEqual(direct.Stdout, sandboxed.Stdout);
        Assert.AreEqual(direct.Stderr, sandboxed.Stderr);
    }

    [TestMethod]
    public async Task A_private_workspace_is_refused_with_the_fix()
    {
        File.SetUnixFileMode(_workspace, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var outcome = await Support.Cli.RunAsync(_workspace, Support.Cli.AuditTo(_audit), null, "run", "--", "ls");

        Assert.AreEqual(125, outcome.ExitCode);
        StringAssert.Contains(outcome.Stderr, "GBX1207");
        StringAssert.Contains(outcome.Stderr, "chmod o+rx");
    }

    [TestMethod]
    [DataRow("--workdir", "/var/run")]
    [DataRow("--workdir", "/")]
    [DataRow("--input", "/run")]
    public async Task A_mount_exposing_the_engine_socket_or_root_exits_125_and_creates_nothing(string option, string directory)
    {
        var outcome = await Support.Cli.RunAsync(_workspace, Support.Cli.AuditTo(_audit), null, "run", "--json", option, directory, "--", "touch", "/workspace/created");

        Assert.AreEqual(125, outcome.ExitCode, outcome.ToString());
        StringAssert.Contains(outcome.Stderr, "GBX1401");
        StringAssert.Contains(outcome.Stderr, $"{option} '{directory}'");
        Assert.AreEqual(string.Empty, outcome.Stdout, "no result: nothing ran");
        Assert.IsFalse(File.Exists(_audit), "nothing ran, so nothing was audited");
    }

    [TestMethod]
    public async Task Run_from_the_home_directory_above_it_or_through_a_link_to_it_is_refused_unless_allow_home_is_given()
    {
        // cd ~; gadugi-exec run -- cat /workspace/.npmrc
        var home = Directory.CreateDirectory(Path.Combine(_workspace, "home", "someone")).FullName;
        File.SetUnixFileMode(Path.Combine(_workspace, "home"), (UnixFileMode)0x1ED);
        File.SetUnixFileMode(home, (UnixFileMode)0x1ED);
        var secret = "npm_" + Guid.NewGuid().ToString("N");
        File.WriteAllText(Path.Combine(home, ".npmrc"), "//registry.npmjs.org/:_authToken=" + secret + "\n");
        File.SetUnixFileMode(Path.Combine(home, ".npmrc"), (UnixFileMode)0x1A4);
        var link = Path.Combine(_workspace, "project");
        Directory.CreateSymbolicLink(link, home);
        var environment = new Dictionary<string, string>(Support.Cli.AuditTo(_audit)) { ["HOME"] = home };

        var fromHome = await Support.Cli.RunAsync(home, environment, null, "run", "--", "cat", "/workspace/.npmrc");
        var fromAbove = await Support.Cli.RunAsync(_workspace, environment, null, "run", "--", "cat", "/workspace/home/someone/.npmrc");
        var throughLink = await Support.Cli.RunAsync(_workspace, environment, null, "run", "--workdir", link, "--", "cat", "/workspace/.npmrc");
        var asInput = await Support.Cli.RunAsync(_workspace, environment, null, "run", "--input", home, "--", "cat", "/input/.npmrc");

        foreach (var (outcome, what) in new[] { (fromHome, "the home directory"), (fromAbove, "above the home directory " + home), (throughLink, "the home directory"), (asInput, "the home directory") })
        {
            Assert.AreEqual(125, outcome.ExitCode, outcome.ToString());
            StringAssert.Contains(outcome.Stderr, "GBX1406");
            StringAssert.Contains(outcome.Stderr, what);
            Assert.DoesNotContain(secret, outcome.Stdout + outcome.Stderr, "nothing of the home directory was shown");
        }

        Assert.IsFalse(File.Exists(_audit), "nothing ran");
        var allowed = await Support.Cli.RunAsync(home, environment, null, "run", "--allow-home", "--", "cat", "/workspace/.npmrc");
        Assert.AreEqual(0, allowed.ExitCode, allowed.ToString());
        StringAssert.Contains(allowed.Stdout, secret, "--allow-home mounts it as asked");
    }

    [TestMethod]
    [DataRow("run")]
    [DataRow("run", "--timeout")]
    [DataRow("run", "--max-concurrency", "many", "--", "true")]
    [DataRow("run", "--no-such-option", "x", "--", "true")]
    public async Task A_command_line_run_cannot_parse_exits_125_not_1(params string[] arguments)
    {
        var outcome = await Support.Cli.RunAsync(_workspace, Support.Cli.AuditTo(_audit), null, arguments);

        Assert.AreEqual(125, outcome.ExitCode, outcome.ToString());
        StringAssert.Contains(outcome.Stderr, "GBX2051");
        StringAssert.Contains(outcome.Stderr, "gadugi-exec run --help");
        Assert.IsFalse(File.Exists(_audit), "nothing ran");
    }

    [TestMethod]
    public async Task An_engine_error_resolving_the_image_exits_125_coded_and_is_audited()
    {
        // Not a missing image: the engine rejects the reference itself (400).
        var policies = Path.Combine(_workspace, "policies.yaml");
        File.WriteAllText(policies, "policies:\n  upper: { image: \"gadugi-test/UPPER:1\" }\n");

        var outcome = await Support.Cli.RunAsync(_workspace, Support.Cli.AuditTo(_audit), null, "run", "--policy-file", policies, "--policy", "upper", "--", "true");

        Assert.AreEqual(125, outcome.ExitCode, outcome.ToString());
        StringAssert.Contains(outcome.Stderr, "GBX1002");
        StringAssert.Contains(outcome.Stderr, "invalid reference format");
        StringAssert.Contains(File.ReadAllLines(_audit).Single(), "\"status\":\"failed\"");
    }

    [TestMethod]
    [DataRow("runc")]
    [DataRow("gvisor")]
    public async Task An_engine_failing_after_the_ping_exits_125_coded(string runtime)
    {
        // runc: the image lookup fails; gVisor: the runtime lookup (engine info) fails first.
        await using var engine = new FaultyEngine();
        var policies = Path.Combine(_workspace, "policies.yaml");
        File.WriteAllText(policies, $"policies:\n  p: {{ image: \"gadugi/shell:5.2\", runtime: {runtime} }}\n");
        var environment = Support.Cli.AuditTo(_audit);
        environment["DOCKER_HOST"] = engine.DockerHost;

        var outcome = await Support.Cli.RunAsync(_workspace, environment, null, "run", "--policy-file", policies, "--policy", "p", "--", "true");

        Assert.AreEqual(125, outcome.ExitCode, outcome.ToString());
        StringAssert.Contains(outcome.Stderr, "GBX1002");
        StringAssert.Contains(outcome.Stderr, "injected engine failure");
    }

    [TestMethod]
    public async Task Unusable_machine_slots_exit_125_coded_instead_of_waiting_forever()
    {
        // The slots live next to the audit log; a file where their directory should be.
        Directory.CreateDirectory(Path.GetDirectoryName(_audit)!);
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(_audit)!, "slots"), string.Empty);

        var outcome = await Support.Cli.RunAsync(_workspace, Support.Cli.AuditTo(_audit), null, "run", "--", "true");

        Assert.AreEqual(125, outcome.ExitCode, outcome.ToString());
        StringAssert.Contains(outcome.Stderr, "GBX1402");
    }

    [TestMethod]
    public async Task An_output_path_that_is_a_file_exits_125_before_anything_runs()
    {
        var file = Path.Combine(_workspace, "not-a-directory");
        File.WriteAllText(file, "keep me");

        var outcome = await Support.Cli.RunAsync(_workspace, Support.Cli.AuditTo(_audit), null, "run", "--output", file, "--", "bash", "-c", "echo x > /output/f");

        Assert.AreEqual(125, outcome.ExitCode, outcome.ToString());
        StringAssert.Contains(outcome.Stderr, "GBX1403");
        Assert.AreEqual("keep me", File.ReadAllText(file));
        Assert.IsFalse(File.Exists(_audit), "nothing ran");
    }

    [TestMethod]
    public async Task Timeout_exits_124_with_a_message()
    {
        var outcome = await Support.Cli.RunAsync(_workspace, Support.Cli.AuditTo(_audit), null, "run", "--timeout", "2s", "--", "sleep", "3600");

        Assert.AreEqual(124, outcome.ExitCode);
        StringAssert.Contains(outcome.Stderr, "killed: timeout");
    }

    [TestMethod]
    public async Task Oom_kill_exits_137()
    {
        var outcome = await Support.Cli.RunAsync(_workspace, Support.Cli.AuditTo(_audit), null, "run", "--policy", "python", "--memory", "48m", "--", "python3", "-c", "b = [bytearray(8 << 20) for _ in range(100)]");

        Assert.AreEqual(137, outcome.ExitCode);
        StringAssert.Contains(outcome.Stderr, "killed: out of memory");
    }

    [TestMethod]
    public async Task Broken_policy_file_exits_125_with_the_located_error()
    {
        var policies = Path.Combine(_workspace, "policies.yaml");
        File.WriteAllText(policies, "policies:\n  python: { image: \"gadugi/python:3.11\", memory: \"lots\" }\n");

        var outcome = await Support.Cli.RunAsync(_workspace, Support.Cli.AuditTo(_audit), null, "run", "--policy-file", policies, "--policy", "python", "--", "true");

        Assert.AreEqual(125, outcome.ExitCode);
        StringAssert.Contains(outcome.Stderr, $"{policies}(2,50): error GBX2004: policies.python.memory: 'lots' is not valid.");
        Assert.IsFalse(File.Exists(_audit), "nothing ran");
    }

    [TestMethod]
    public async Task Dead_engine_exits_125_pointing_to_doctor()
    {
        var environment = Support.Cli.AuditTo(_audit);
        environment["DOCKER_HOST"] = "unix:///nonexistent/docker.sock";

        var outcome = await Support.Cli.RunAsync(_workspace, environment, null, "run", "--", "true");

        Assert.AreEqual(125, outcome.ExitCode);
        StringAssert.Contains(outcome.Stderr, "GBX1001");
        StringAssert.Contains(outcome.Stderr, "gadugi-exec doctor");
    }

    [TestMethod]
    public async Task Fallback_shell_runs_unsandboxed_loudly_and_audits_it()
    {
        var policies = Path.Combine(_workspace, "policies.yaml");
        File.WriteAllText(policies, "policies:\n  lenient: { image: \"gadugi/shell:5.2\", fallback: shell, timeout: \"2s\" }\n");
        var environment = Support.Cli.AuditTo(_audit);
        environment["DOCKER_HOST"] = "unix:///nonexistent/docker.sock";

        var ran = await Support.Cli.RunAsync(_workspace, environment, null, "run", "--policy-file", policies, "--policy", "lenient", "--", "bash", "-c", "echo on-host; exit 3");
        var timedOut = await Support.Cli.RunAsync(_workspace, environment, null, "run", "--policy-file", policies, "--policy", "lenient", "--", "sleep", "3600");

        Assert.AreEqual(3, ran.ExitCode);
        Assert.AreEqual("on-host\n", ran.Stdout);
        StringAssert.Contains(ran.Stderr, "UNSANDBOXED");
        Assert.AreEqual(124, timedOut.ExitCode, "the timeout still applies on the host");
        var records = File.ReadAllLines(_audit);
        Assert.HasCount(2, records);
        StringAssert.Contains(records[0], "\"sandboxed\":false");
        StringAssert.Contains(records[0], "\"kind\":\"fallback\"");
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public async Task Without_gadugi_audit_log_the_record_lands_in_the_users_state_directory(bool xdgStateHome)
    {
        var home = Path.Combine(_workspace, ".home");
        var state = Path.Combine(_workspace, ".state");
        var environment = new Dictionary<string, string> { ["HOME"] = home };
        if (xdgStateHome)
        {
            environment["XDG_STATE_HOME"] = state;
        }

        var outcome = await ChildProcess.RunAsync("dotnet", [Support.Cli.ProgramPath, "run", "--", "echo", "audited"], new ChildProcessOptions
        {
            WorkingDirectory = _workspace,
            Environment = environment,
            RemoveEnvironment = xdgStateHome ? ["GADUGI_AUDIT_LOG"] : ["GADUGI_AUDIT_LOG", "XDG_STATE_HOME"],
        });

        Assert.AreEqual(0, outcome.ExitCode, outcome.ToString());
        var expected = xdgStateHome ? Path.Combine(state, "gadugi", "audit.jsonl") : Path.Combine(home, ".local", "state", "gadugi", "audit.jsonl");
        Assert.IsTrue(File.Exists(expected), $"no audit log at {expected}");
        var records = File.ReadAllLines(expected);
        Assert.HasCount(2, records, "a started and a completed record");
        StringAssert.Contains(records[1], "\"argv\":[\"echo\",\"audited\"]");
    }

    [TestMethod]
    public async Task Json_prints_the_result_record()
    {
        var outcome = await Support.Cli.RunAsync(_workspace, Support.Cli.AuditTo(_audit), null, "run", "--json", "--", "bash", "-c", "echo hi; exit 5");

        Assert.AreEqual(5, outcome.ExitCode);
        using var json = JsonDocument.Parse(outcome.Stdout);
        var root = json.RootElement;
        Assert.AreEqual(5, root.GetProperty("exit_code").GetInt32());
        Assert.AreEqual("hi\n", root.GetProperty("stdout").GetProperty("text").GetString());
        Assert.IsTrue(root.GetProperty("sandboxed").GetBoolean());
        Assert.AreEqual(536870912, root.GetProperty("limits").GetProperty("memory_bytes").GetInt64());
        Assert.AreEqual(2, root.GetProperty("audit_sequence").GetInt64(), "the run's started record is the first");
    }

    [TestMethod]
    public async Task Max_concurrency_queues_sandboxes_across_processes()
    {
        // Each run records when it started and ended (inside the sandbox); with one slot the
        // intervals must not overlap, whatever order the processes got their turn in.
        File.SetUnixFileMode(_workspace, (UnixFileMode)0x1FF);
        var policies = Path.Combine(_workspace, "policies.yaml");
        File.WriteAllText(policies, "policies:\n  writer: { image: \"gadugi/shell:5.2\", workspace: rw }\n");
        var environment = Support.Cli.AuditTo(_audit);
        environment["XDG_STATE_HOME"] = Path.Combine(_workspace, "state");

        var runs = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Support.Cli.RunAsync(
            _workspace, environment, null, "run", "--max-concurrency", "1", "--policy-file", policies, "--policy", "writer", "--",
            "bash", "-c", "s=$(date +%s%N); sleep 0.3; echo \"$s $(date +%s%N)\" >> intervals.txt")));

        Assert.IsTrue(runs.All(r => r.ExitCode == 0), string.Join("\n", runs.Select(r => r.Stderr)));
        var intervals = File.ReadAllLines(Path.Combine(_workspace, "intervals.txt"))
            .Select(line => line.Split(' ').Select(long.Parse).ToArray()).OrderBy(pair => pair[0]).ToArray();
        Assert.HasCount(3, intervals);
        for (var i = 1; i < intervals.Length; i++)
        {
            Assert.IsGreaterThanOrEqualTo(intervals[i - 1][1], intervals[i][0], "two sandboxes ran at once despite --max-concurrency 1");
        }
    }

    [TestMethod]
    public async Task Concurrent_cli_processes_share_one_intact_audit_log()
    {
        var runs = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            Support.Cli.RunAsync(_workspace, Support.Cli.AuditTo(_audit), null, "run", "--", "echo", i.ToString(System.Globalization.CultureInfo.InvariantCulture))));

        Assert.IsTrue(runs.All(r => r.ExitCode == 0));
        var verdict = AuditVerifier.Verify(_audit);
        Assert.IsTrue(verdict.IsIntact, verdict.ToString());
        Assert.AreEqual(12, verdict.Records);
    }
}
