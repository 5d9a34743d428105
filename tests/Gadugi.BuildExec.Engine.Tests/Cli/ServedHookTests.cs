using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gadugi.BuildExec.Engine.Tests.Support;

namespace Gadugi.BuildExec.Engine.Tests.Cli;

/// <summary>
/// gadugi-exec hook through the per-user background service, with the real program and engine: served
/// like a run, and still failing closed on every path of the service — a service lost or silent after it
/// accepted the hook blocks it (exit 2) or, under --on-error allow, lets it through with a warning
/// (exit 0), never the 125 a run exits with, which Claude Code would take as "go ahead".
/// </summary>
[TestClass]
public sealed class ServedHookTests
{
    private const string ReadyHook = "echo ready; sleep 120";

    private ServiceWorkspace _space = null!;
    private string _workspace = string.Empty;
    private string _serviceDirectory = string.Empty;
    private string _audit = string.Empty;

    [TestInitialize]
    public void CreateWorkspace()
    {
        _space = new ServiceWorkspace("gadugi-served-hook-test-");
        (_workspace, _serviceDirectory, _audit) = (_space.Root, _space.ServiceDirectory, _space.AuditLog);
    }

    [TestCleanup]
    public void StopServiceAndDeleteWorkspace() => _space.StopServicesAndDelete();

    [TestMethod]
    public async Task A_served_hook_gets_its_payload_byte_identical_and_exits_with_its_own_code_and_its_record_says_served()
    {
        // Large enough to take many of the client's stdin answers, with text that is not ASCII.
        var payload = "{\"hook_event_name\":\"PreToolUse\",\"tool_name\":\"Bash\",\"tool_input\":{\"command\":\"" + string.Concat(Enumerable.Repeat("grüße ✓ \\\"rm\\\" ", 12_000)) + "\"}}\r\n";
        var expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(payload)));

        var outcome = await HookAsync(payload, null, "hook", "--policy", "shell", "--", "sh", "-c", "sha256sum | cut -d' ' -f1; echo denied >&2; exit 3");

        Assert.AreEqual(3, outcome.ExitCode, outcome.ToString());
        Assert.AreEqual(expected + "\n", outcome.Stdout, "the hook read exactly the caller's bytes");
        Assert.AreEqual("denied\n", outcome.Stderr, "no notice: the service served it");
        Assert.HasCount(1, ServiceProcesses.Pids(_serviceDirectory), "a service was started and serves");
        var record = LastRecord();
        Assert.AreEqual("service", record.GetProperty("tags").GetProperty("hook.path").GetString());
        Assert.AreEqual("PreToolUse", record.GetProperty("tags").GetProperty("hook.event").GetString());
        Assert.AreEqual("Bash", record.GetProperty("tags").GetProperty("hook.tool").GetString());
        Assert.AreEqual("hook", record.GetProperty("who").GetProperty("caller").GetString());
    }

    [TestMethod]
    public async Task A_served_hook_whose_image_is_missing_blocks_with_the_coded_reason()
    {
        File.WriteAllText(Path.Combine(_workspace, "policies.yaml"), "policies:\n  guard:\n    image: \"gadugi/no-such-image:0\"\n");

        var outcome = await HookAsync("{}", null, "hook", "--policy-file", "policies.yaml", "--policy", "guard", "--", "sh", "-c", "exit 0");

        Assert.AreEqual(2, outcome.ExitCode, outcome.ToString());
        StringAssert.Contains(outcome.Stderr, "GBX6101");
        StringAssert.Contains(outcome.Stderr, "GBX1201");
        Assert.DoesNotContain("GBX70", outcome.Stderr, "the service ran it, not the direct path");
        Assert.HasCount(1, ServiceProcesses.Pids(_serviceDirectory), "a service was started and serves");
    }

    [TestMethod]
    public async Task A_service_killed_during_a_hook_blocks_it_leaves_no_sandbox_and_the_next_hook_is_served()
    {
        var (exitCode, stderr, killed) = await KillServiceDuringHookAsync("block");

        Assert.AreEqual(2, exitCode, stderr);
        StringAssert.Contains(stderr, "GBX6060");
        Assert.DoesNotContain("GBX7004", stderr, "a run's 125 message is not a hook's");

        var next = await HookAsync("{}", null, "hook", "--policy", "shell", "--", "sh", "-c", "exit 0");

        Assert.AreEqual(0, next.ExitCode, next.ToString());
        Assert.AreEqual("service", LastRecord().GetProperty("tags").GetProperty("hook.path").GetString());
        Assert.AreNotEqual(killed, ServiceProcesses.Pids(_serviceDirectory).Single(), "a new service serves");

        // Pooling is off here: every sandbox with this audit log is a hook's. The new service's sweep removes the dead one's.
        var clock = Stopwatch.StartNew();
        while (ServiceProcesses.SandboxesAuditingTo(_audit).Count > 0 && clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(500);
        }

        Assert.IsEmpty(ServiceProcesses.SandboxesAuditingTo(_audit), "nothing is left of the killed service's hook");
    }

    [TestMethod]
    public async Task A_service_killed_during_a_hook_under_on_error_allow_lets_it_through_with_the_warning()
    {
        var (exitCode, stderr, _) = await KillServiceDuringHookAsync("allow");

        Assert.AreEqual(0, exitCode, stderr);
        StringAssert.Contains(stderr, "GBX6103");
        StringAssert.Contains(stderr, "GBX6060");
    }

    [TestMethod]
    public async Task A_service_that_stops_answering_during_a_hook_blocks_it_and_the_hook_is_cancelled_when_it_resumes()
    {
        var warm = await HookAsync("{}", null, "hook", "--policy", "shell", "--", "true");
        Assert.AreEqual(0, warm.ExitCode, warm.ToString());
        var pid = ServiceProcesses.Pids(_serviceDirectory).Single();

        var (process, ready) = StartHook("block", ReadyHook, new Dictionary<string, string> { ["GADUGI_SERVICE_TIMEOUT"] = "1" });
        using (process)
        {
            try
            {
                await ready.WaitAsync(TimeSpan.FromMinutes(2));
                ServiceProcesses.Signal("STOP", pid);
                var ended = process.WaitForExit(60_000);
                ServiceProcesses.Signal("CONT", pid);
                Assert.IsTrue(ended, "the client stops waiting for a silent service");
                var error = await process.StandardError.ReadToEndAsync();
                Assert.AreEqual(2, process.ExitCode, error);
                StringAssert.Contains(error, "GBX6061");
            }
            finally
            {
                End(process);
            }
        }

        var clock = Stopwatch.StartNew();
        while (ServiceProcesses.SandboxesAuditingTo(_audit).Count > 0 && clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(500);
        }

        Assert.IsEmpty(ServiceProcesses.SandboxesAuditingTo(_audit), "the resumed service cancelled the hook and removed its sandbox");
    }

    [TestMethod]
    public async Task No_pool_and_GADUGI_POOL_off_run_the_hook_in_the_callers_process()
    {
        var noPool = await HookAsync("{}", null, "hook", "--no-pool", "--policy", "shell", "--", "sh", "-c", "exit 3");
        var noPoolPath = LastRecord().GetProperty("tags").GetProperty("hook.path").GetString();
        var off = await HookAsync("{}", new Dictionary<string, string> { ["GADUGI_POOL"] = "off" }, "hook", "--policy", "shell", "--", "sh", "-c", "exit 3");
        var offPath = LastRecord().GetProperty("tags").GetProperty("hook.path").GetString();

        Assert.AreEqual(3, noPool.ExitCode, noPool.ToString());
        Assert.AreEqual(3, off.ExitCode, off.ToString());
        Assert.AreEqual("direct", noPoolPath);
        Assert.AreEqual("direct", offPath);
        Assert.IsFalse(Directory.Exists(_serviceDirectory) && Directory.GetFiles(_serviceDirectory, "*.sock").Length > 0, "no service was started");
    }

    /// <summary>A served hook that is running when its service is killed: the client's exit code and stderr, and the killed service's pid.</summary>
    private async Task<(int ExitCode, string Stderr, int Killed)> KillServiceDuringHookAsync(string onError)
    {
        var (process, ready) = StartHook(onError, ReadyHook, null);
        using (process)
        {
            try
            {
                await ready.WaitAsync(TimeSpan.FromMinutes(2));
                var killed = ServiceProcesses.Pids(_serviceDirectory).Single();
                Assert.IsNotEmpty(ServiceProcesses.SandboxesAuditingTo(_audit), "the hook's sandbox is up");
                Process.GetProcessById(killed).Kill();
                Assert.IsTrue(process.WaitForExit(60_000), "the client ends when its service dies");
                return (process.ExitCode, await process.StandardError.ReadToEndAsync(), killed);
            }
            finally
            {
                End(process);
            }
        }
    }

    /// <summary>A client still running when a test fails: SIGTERM cancels its hook (the sandbox removed), then it is killed.</summary>
    private static void End(Process client)
    {
        if (client.HasExited)
        {
            return;
        }

        ServiceProcesses.Signal("TERM", client.Id);
        if (!client.WaitForExit(30_000))
        {
            client.Kill(entireProcessTree: true);
        }
    }

    private JsonElement LastRecord() => JsonDocument.Parse(File.ReadAllLines(_audit)[^1]).RootElement;

    private Dictionary<string, string> Variables(Dictionary<string, string>? extra) =>
        new(extra ?? []) { ["GADUGI_AUDIT_LOG"] = _audit, ["GADUGI_SERVICE_DIR"] = _serviceDirectory, ["GADUGI_POOL_SIZE"] = "0" };

    private Task<ChildProcessResult> HookAsync(string? stdin, Dictionary<string, string>? environment, params string[] arguments) =>
        ChildProcess.RunAsync("dotnet", [Support.Cli.ProgramPath, .. arguments], new ChildProcessOptions
        {
            WorkingDirectory = _workspace,
            Environment = Variables(environment),
            RemoveEnvironment = environment?.ContainsKey("GADUGI_POOL") == true ? [] : ["GADUGI_POOL"],
            Stdin = stdin,
        });

    /// <summary>A served hook running <paramref name="script"/>, and a task that ends when it printed "ready".</summary>
    private (Process Process, Task Ready) StartHook(string onError, string script, Dictionary<string, string>? environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = _workspace,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[Support.Cli.ProgramPath, "hook", "--on-error", onError, "--policy", "shell", "--", "sh", "-c", script])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("GADUGI_POOL");
        foreach (var (name, value) in Variables(environment))
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start)!;
        process.StandardInput.Write("{\"hook_event_name\":\"PreToolUse\"}");
        process.StandardInput.Close();
        return (process, ServiceProcesses.ReadyAsync(process, "the hook"));
    }
}
