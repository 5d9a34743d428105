using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Gadugi.BuildExec.Engine.Tests.Support;

namespace Gadugi.BuildExec.Engine.Tests.Cli;

/// <summary>
/// The background service's warm single-use pool, with the real program, service and engine: a run is
/// served from a sandbox prepared ahead and nothing of the run before reaches it; a policy edit or an
/// image change is never served a stale sandbox; a killed service's prepared sandboxes are swept; the pool
/// drains when idle and on <c>pool drain</c>; nothing is left behind.
/// </summary>
[TestClass]
public sealed class PoolTests
{
    private ServiceWorkspace _space = null!;
    private string _workspace = string.Empty;
    private string _serviceDirectory = string.Empty;
    private string _audit = string.Empty;
    private string? _imageTag;

    [TestInitialize]
    public void CreateWorkspace()
    {
        _space = new ServiceWorkspace("gadugi-pool-test-");
        (_workspace, _serviceDirectory, _audit) = (_space.Root, _space.ServiceDirectory, _space.AuditLog);
    }

    [TestCleanup]
    public async Task StopServiceAndDeleteWorkspace()
    {
        _space.StopServices();
        foreach (var id in ServiceProcesses.SandboxesAuditingTo(_audit))
        {
            await Docker("rm", "-f", id);
        }

        if (_imageTag is not null)
        {
            await Docker("rmi", _imageTag);
        }

        _space.StopServicesAndDelete();
    }

    [TestMethod]
    public async Task The_next_run_is_served_from_the_pool_and_sees_nothing_the_run_before_left()
    {
        var first = await RunAsync("run", "--json", "--policy", "shell", "--", "sh", "-c", "echo left > /tmp/left-behind; sleep 4321 >/dev/null 2>&1 & echo done");
        var second = await RunAsync("run", "--json", "--policy", "shell", "--", "sh", "-c", "ls -a /tmp; cat /proc/[0-9]*/cmdline | tr '\\0' ' '");

        Assert.AreEqual(0, first.ExitCode, first.Output);
        Assert.AreEqual(0, second.ExitCode, second.Output);
        using var firstResult = JsonDocument.Parse(first.Stdout);
        using var secondResult = JsonDocument.Parse(second.Stdout);
        Assert.AreEqual("service", firstResult.RootElement.GetProperty("path").GetString(), "the first run of a key is cold");
        Assert.AreEqual("pooled", secondResult.RootElement.GetProperty("path").GetString(), second.Stdout);
        Assert.AreNotEqual(firstResult.RootElement.GetProperty("container_id").GetString(), secondResult.RootElement.GetProperty("container_id").GetString());
        var seen = secondResult.RootElement.GetProperty("stdout").GetProperty("text").GetString()!;
        Assert.IsFalse(seen.Contains("left-behind", StringComparison.Ordinal), "run N's file in /tmp reached run N+1: " + seen);
        Assert.IsFalse(seen.Contains("4321", StringComparison.Ordinal), "run N's background process reached run N+1: " + seen);

        // The pooled run's limits were read back, and its records carry the prepared sandbox's id.
        Assert.AreEqual(536_870_912, secondResult.RootElement.GetProperty("limits").GetProperty("memory_bytes").GetInt64());
        var executionId = secondResult.RootElement.GetProperty("execution_id").GetString()!;
        // The service answers once the sandbox is frozen, and removes it right after.
        await WaitForAsync(async () => (await Docker("ps", "-a", "--filter", "label=io.gadugi.execution=" + executionId, "-q")).Trim().Length == 0, "the pooled run's sandbox removed");
        var records = File.ReadAllLines(_audit).Select(line => JsonDocument.Parse(line).RootElement).Where(record => record.GetProperty("id").GetString() == executionId).Select(record => record.GetProperty("status").GetString()).ToList();
        Assert.AreEqual(2, records.Count, string.Join(", ", records));
        Assert.AreEqual("started", records[0], "the started record comes before the command's end");

        var status = await RunAsync("pool", "status", "--json");
        using var statusJson = JsonDocument.Parse(status.Stdout);
        var held = statusJson.RootElement.GetProperty("sandboxes");
        Assert.AreEqual(2, held.GetArrayLength(), "the one key in use: a prepared sandbox and its spare\n" + status.Output);
        foreach (var sandbox in held.EnumerateArray())
        {
            StringAssert.Contains(sandbox.GetProperty("key").GetString(), "policy shell");
            Assert.IsTrue(sandbox.GetProperty("age_seconds").GetDouble() >= 0);
        }

        var drain = await RunAsync("pool", "drain", "--json");
        using var drainJson = JsonDocument.Parse(drain.Stdout);
        Assert.AreEqual(2, drainJson.RootElement.GetProperty("removed").GetInt32(), drain.Output);
        await WaitForAsync(() => ServiceProcesses.SandboxesAuditingTo(_audit).Count == 0, "pool drain removed the prepared sandboxes");
    }

    [TestMethod]
    public async Task A_policy_file_edit_or_an_image_change_is_never_served_a_prepared_sandbox()
    {
        _imageTag = "gadugi/pool-test:" + Path.GetFileName(_workspace).ToLowerInvariant().Replace("gadugi-pool-test-", string.Empty, StringComparison.Ordinal);
        await Docker("tag", "gadugi/shell:5.2", _imageTag);
        var policies = Path.Combine(_workspace, "policies.yaml");
        await File.WriteAllTextAsync(policies, $"policies:\n  pooled: {{ image: \"{_imageTag}\", memory: \"256m\" }}\n");
        string[] run = ["run", "--json", "--policy-file", policies, "--policy", "pooled", "--", "true"];

        var cold = await RunAsync(run);
        await File.WriteAllTextAsync(policies, $"policies:\n  pooled: {{ image: \"{_imageTag}\", memory: \"128m\" }}\n");
        var afterEdit = await RunAsync(run);
        var pooled = await RunAsync(run);
        var building = await ChildProcess.RunAsync("docker", ["build", "-q", "-t", _imageTag, "-"], new ChildProcessOptions { Stdin = "FROM gadugi/shell:5.2\nLABEL io.gadugi.pool-test=changed\n" });
        Assert.AreEqual(0, building.ExitCode, building.Output);
        var afterImage = await RunAsync(run);

        using var coldJson = JsonDocument.Parse(cold.Stdout);
        using var editJson = JsonDocument.Parse(afterEdit.Stdout);
        using var pooledJson = JsonDocument.Parse(pooled.Stdout);
        using var imageJson = JsonDocument.Parse(afterImage.Stdout);
        Assert.AreEqual("service", coldJson.RootElement.GetProperty("path").GetString(), cold.Output);
        Assert.AreEqual("service", editJson.RootElement.GetProperty("path").GetString(), "an edited policy file is not served the sandbox prepared before the edit");
        Assert.AreEqual(134_217_728, editJson.RootElement.GetProperty("limits").GetProperty("memory_bytes").GetInt64());
        Assert.AreEqual("pooled", pooledJson.RootElement.GetProperty("path").GetString(), pooled.Output);
        Assert.AreEqual(134_217_728, pooledJson.RootElement.GetProperty("limits").GetProperty("memory_bytes").GetInt64());
        Assert.AreEqual("service", imageJson.RootElement.GetProperty("path").GetString(), "a changed image id is not served the sandbox prepared from the old one");
        Assert.AreNotEqual(pooledJson.RootElement.GetProperty("image_id").GetString(), imageJson.RootElement.GetProperty("image_id").GetString());
        Assert.AreEqual(building.Stdout.Trim(), imageJson.RootElement.GetProperty("image_id").GetString());
    }

    [TestMethod]
    public async Task A_killed_services_prepared_sandbox_is_swept_by_the_next_run_and_an_idle_pool_drains()
    {
        var first = await RunAsync("run", "--policy", "shell", "--", "true");
        Assert.AreEqual(0, first.ExitCode, first.Output);
        // The run's own sandbox is removed after the answer; those left are the two the pool prepared (one and a spare).
        await WaitForAsync(async () => ServiceProcesses.SandboxesAuditingTo(_audit).Count == 2 && (await Docker("ps", "-q", "--filter", "status=running", "--filter", "label=io.gadugi.audit-log=" + _audit)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length == 2, "the pool prepared two sandboxes after the run");
        var orphans = ServiceProcesses.SandboxesAuditingTo(_audit);
        ServiceProcesses.Signal("KILL", ServiceProcesses.Pids(_serviceDirectory).Single());

        var idle = new Dictionary<string, string> { ["GADUGI_POOL_IDLE"] = "3" };
        var next = await RunAsync(idle, "run", "--json", "--policy", "shell", "--", "true");
        Assert.AreEqual(0, next.ExitCode, next.Output);
        using var nextJson = JsonDocument.Parse(next.Stdout);
        Assert.AreEqual("service", nextJson.RootElement.GetProperty("path").GetString(), "a new service has no pool yet");

        // The new service's first run sweeps in the background: the dead owner's sandbox goes.
        await WaitForAsync(() => !ServiceProcesses.SandboxesAuditingTo(_audit).Intersect(orphans).Any(), "the killed service's prepared sandboxes swept");
        Assert.IsFalse(File.ReadAllText(_audit).Contains("\"abandoned\"", StringComparison.Ordinal), "a prepared sandbox that ran nothing is no abandoned run");

        // The new service prepared one too; unused for GADUGI_POOL_IDLE, it is removed.
        await WaitForAsync(() => ServiceProcesses.SandboxesAuditingTo(_audit).Count == 0, "the idle pool drained");
        var status = await RunAsync(idle, "pool", "status", "--json");
        using var statusJson = JsonDocument.Parse(status.Stdout);
        Assert.AreEqual(0, statusJson.RootElement.GetProperty("sandboxes").GetArrayLength(), status.Output);
        Assert.IsTrue(statusJson.RootElement.GetProperty("service").GetBoolean());
    }

    private static Task WaitForAsync(Func<bool> condition, string what) => WaitForAsync(() => Task.FromResult(condition()), what);

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        for (var i = 0; i < 600; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("not seen within a minute: " + what);
    }

    private Task<ChildProcessResult> RunAsync(params string[] arguments) => RunAsync(null, arguments);

    private Task<ChildProcessResult> RunAsync(Dictionary<string, string>? environment, params string[] arguments)
    {
        var variables = new Dictionary<string, string>(environment ?? []) { ["GADUGI_AUDIT_LOG"] = _audit, ["GADUGI_SERVICE_DIR"] = _serviceDirectory };
        return ChildProcess.RunAsync("dotnet", [Support.Cli.ProgramPath, .. arguments], new ChildProcessOptions
        {
            WorkingDirectory = _workspace,
            Environment = variables,
            RemoveEnvironment = ["GADUGI_POOL", "GADUGI_POOL_SIZE"],
        });
    }

    private static async Task<string> Docker(params string[] arguments) => (await ChildProcess.RunAsync("docker", arguments, new ChildProcessOptions())).Stdout;
}
