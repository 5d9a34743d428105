using System.Text.Json;

namespace Gadugi.BuildExec.Engine.Tests.Cli;

/// <summary>gadugi-exec hook: Claude Code blocks a tool call only on exit 2, so every way the sandbox can fail must end in 2.</summary>
[TestClass]
public sealed class HookCommandTests
{
    private const string Payload = "{\"hook_event_name\":\"PreToolUse\",\"tool_name\":\"Bash\",\"tool_input\":{\"command\":\"rm -rf /\"}}\n";

    private string _workspace = string.Empty;
    private string _audit = string.Empty;

    [TestInitialize]
    public void CreateWorkspace()
    {
        _workspace = Directory.CreateTempSubdirectory("gadugi-hook-test-").FullName;
        File.SetUnixFileMode(_workspace, (UnixFileMode)0x1ED);
        _audit = Path.Combine(_workspace, ".audit", "audit.jsonl");
    }

    [TestCleanup]
    public void DeleteWorkspace() => Directory.Delete(_workspace, recursive: true);

    [TestMethod]
    public async Task The_hooks_own_exit_code_and_stdin_pass_unchanged_and_the_audit_record_names_the_event_and_tool()
    {
        var outcome = await Support.Cli.RunAsync(_workspace, Support.Cli.AuditTo(_audit), Payload, "hook", "--policy", "shell", "--", "sh", "-c", "cat; echo denied >&2; exit 3");

        Assert.AreEqual(3, outcome.ExitCode, outcome.ToString());
        Assert.AreEqual(Payload, outcome.Stdout);
        Assert.AreEqual("denied\n", outcome.Stderr);
        var last = JsonDocument.Parse(File.ReadAllLines(_audit)[^1]).RootElement;
        Assert.AreEqual("PreToolUse", last.GetProperty("tags").GetProperty("hook.event").GetString());
        Assert.AreEqual("Bash", last.GetProperty("tags").GetProperty("hook.tool").GetString());
        Assert.AreEqual("hook", last.GetProperty("who").GetProperty("caller").GetString());
    }

    [TestMethod]
    public async Task An_engine_that_is_down_blocks_with_a_coded_reason_or_allows_with_a_warning_when_asked()
    {
        var environment = new Dictionary<string, string>(Support.Cli.AuditTo(_audit)) { ["DOCKER_HOST"] = "unix://" + Path.Combine(Path.GetTempPath(), "gadugi-dead-" + Guid.NewGuid().ToString("N") + ".sock") };

        var blocked = await Support.Cli.RunAsync(_workspace, environment, Payload, "hook", "--policy", "shell", "--", "sh", "-c", "exit 0");
        var allowed = await Support.Cli.RunAsync(_workspace, environment, Payload, "hook", "--on-error", "allow", "--policy", "shell", "--", "sh", "-c", "exit 0");

        Assert.AreEqual(2, blocked.ExitCode, blocked.ToString());
        StringAssert.Contains(blocked.Stderr, "GBX6101");
        StringAssert.Contains(blocked.Stderr, "GBX1001");
        Assert.AreEqual(0, allowed.ExitCode, allowed.ToString());
        StringAssert.Contains(allowed.Stderr, "GBX6103");
    }

    [TestMethod]
    public async Task A_missing_image_blocks()
    {
        File.WriteAllText(Path.Combine(_workspace, "policies.yaml"), "policies:\n  guard:\n    image: \"gadugi/no-such-image:0\"\n");

        var outcome = await Support.Cli.RunAsync(_workspace, Support.Cli.AuditTo(_audit), Payload, "hook", "--policy-file", "policies.yaml", "--policy", "guard", "--", "sh", "-c", "exit 0");

        Assert.AreEqual(2, outcome.ExitCode, outcome.ToString());
        StringAssert.Contains(outcome.Stderr, "GBX6101");
        StringAssert.Contains(outcome.Stderr, "GBX1201");
    }

    [TestMethod]
    public async Task A_hook_killed_at_its_timeout_blocks_instead_of_exiting_124()
    {
        var outcome = await Support.Cli.RunAsync(_workspace, Support.Cli.AuditTo(_audit), Payload, "hook", "--policy", "shell", "--timeout", "2s", "--", "sleep", "60");

        Assert.AreEqual(2, outcome.ExitCode, outcome.ToString());
        StringAssert.Contains(outcome.Stderr, "GBX6102");
    }

    [TestMethod]
    public async Task A_command_line_it_cannot_parse_blocks()
    {
        var outcome = await Support.Cli.RunAsync(_workspace, Support.Cli.AuditTo(_audit), Payload, "hook", "--on-error", "maybe", "--", "true");

        Assert.AreEqual(2, outcome.ExitCode, outcome.ToString());
        StringAssert.Contains(outcome.Stderr, "GBX6104");
    }
}
