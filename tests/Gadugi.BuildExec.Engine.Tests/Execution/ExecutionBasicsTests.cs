using System.Text;
using Gadugi.BuildExec.Core.Audit;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Policies;
using Gadugi.BuildExec.Engine.Tests.Support;

namespace Gadugi.BuildExec.Engine.Tests.Execution;

[TestClass]
public sealed class ExecutionBasicsTests
{
    [TestMethod]
    public async Task Stdout_stderr_exit_code_and_stdin_behave_as_on_the_host()
    {
        await using var sandbox = new Sandbox();
        sandbox.WriteFile("script.sh", "read line\necho \"out: $line\"\necho \"err: $line\" >&2\nexit 2\n");
        var sink = new TextSink();

        var result = await sandbox.RunAsync(new ExecutionRequest
        {
            Command = ["bash", "script.sh"],
            Policy = Sandbox.Shell,
            WorkingDirectory = sandbox.Workspace,
            StandardInput = new MemoryStream(Encoding.UTF8.GetBytes("hook payload\n")),
            Output = sink,
        });

        Assert.AreEqual(2, result.ExitCode);
        Assert.IsNull(result.KillReason);
        Assert.AreEqual("out: hook payload\n", sink.Stdout);
        Assert.AreEqual("err: hook payload\n", sink.Stderr);
        Assert.AreEqual("out: hook payload\n", result.Stdout.Text);
        Assert.AreEqual("err: hook payload\n", result.Stderr.Text);
        Assert.IsTrue(result.Sandboxed);
    }

    [TestMethod]
    public async Task Relative_paths_resolve_in_the_workspace_as_the_sandbox_user()
    {
        await using var sandbox = new Sandbox();
        sandbox.WriteFile("lib/data.txt", "payload");

        var result = await sandbox.BashAsync(Sandbox.Shell, "pwd; id -u; id -g; cat lib/data.txt");

        Assert.AreEqual(0, result.ExitCode, result.Stderr.Text);
        Assert.AreEqual("/workspace\n10001\n10001\npayload", result.Stdout.Text);
    }

    [TestMethod]
    public async Task Applied_limits_are_read_back_from_the_engine()
    {
        await using var sandbox = new Sandbox();
        var policy = Sandbox.Shell with { MemoryBytes = 96L * 1024 * 1024, Cpus = 0.5m, PidsLimit = 50, OpenFiles = 200 };

        var result = await sandbox.RunAsync(policy, "true");

        var limits = result.Limits!;
        Assert.AreEqual(96L * 1024 * 1024, limits.MemoryBytes);
        Assert.AreEqual(96L * 1024 * 1024, limits.MemorySwapBytes);
        Assert.AreEqual(0.5m, limits.Cpus);
        Assert.AreEqual(50L, limits.PidsLimit);
        Assert.AreEqual(200L, limits.OpenFiles);
        Assert.IsTrue(limits.ReadOnlyRootfs);
        Assert.AreEqual("none", limits.NetworkMode);
        CollectionAssert.AreEqual(new[] { "ALL" }, limits.CapDrop.ToArray());
        CollectionAssert.Contains(limits.SecurityOpt.ToArray(), "no-new-privileges:true");
        Assert.AreEqual("10001:10001", limits.User);
        Assert.AreEqual("none", limits.LogDriver);
        Assert.IsFalse(limits.Privileged);
    }

    [TestMethod]
    public async Task Peak_memory_and_cpu_time_are_reported()
    {
        await using var sandbox = new Sandbox();

        var result = await sandbox.RunAsync(Sandbox.Python, "python3", "-c", "x = bytearray(64 * 1024 * 1024); sum(range(3_000_000))");

        Assert.AreEqual(0, result.ExitCode, result.Stderr.Text);
        Assert.IsGreaterThanOrEqualTo(64L * 1024 * 1024, result.Usage.PeakMemoryBytes ?? 0);
        Assert.IsGreaterThan(TimeSpan.Zero, result.Usage.CpuTime ?? TimeSpan.Zero);
        Assert.IsNotNull(result.ImageId);
        Assert.IsNotNull(result.ContainerId);
    }

    [TestMethod]
    public async Task Only_allowlisted_environment_reaches_the_command()
    {
        await using var sandbox = new Sandbox();
        var policy = Sandbox.Shell with { EnvAllowlist = ["GADUGI_TEST_ALLOWED"] };
        Environment.SetEnvironmentVariable("GADUGI_TEST_HOST_SECRET", "s3cr3t");

        var result = await sandbox.RunAsync(new ExecutionRequest
        {
            Command = ["bash", "-c", "env | sort"],
            Policy = policy,
            WorkingDirectory = sandbox.Workspace,
            Environment = new Dictionary<string, string> { ["GADUGI_TEST_ALLOWED"] = "yes" },
        });

        StringAssert.Contains(result.Stdout.Text, "GADUGI_TEST_ALLOWED=yes");
        Assert.IsFalse(result.Stdout.Text.Contains("s3cr3t", StringComparison.Ordinal));
        Assert.IsFalse(result.Stdout.Text.Contains("GADUGI_TEST_HOST_SECRET", StringComparison.Ordinal));
    }

    [TestMethod]
    public async Task A_variable_off_the_allowlist_is_refused_and_audited()
    {
        await using var sandbox = new Sandbox();

        var error = await Assert.ThrowsExactlyAsync<GadugiException>(() => sandbox.RunAsync(new ExecutionRequest
        {
            Command = ["true"],
            Policy = Sandbox.Shell,
            WorkingDirectory = sandbox.Workspace,
            Environment = new Dictionary<string, string> { ["AWS_SECRET_ACCESS_KEY"] = "x" },
        }));

        Assert.AreEqual("GBX2009", error.Code);
        var record = File.ReadAllLines(sandbox.AuditLogPath).Single();
        StringAssert.Contains(record, "\"status\":\"denied\"");
        StringAssert.Contains(record, "AWS_SECRET_ACCESS_KEY");
        Assert.IsFalse(record.Contains("\"x\"", StringComparison.Ordinal), "values must not be audited");
    }

    [TestMethod]
    public async Task Output_directory_receives_regular_files_only()
    {
        await using var sandbox = new Sandbox();
        var output = Path.Combine(sandbox.Root, "out");

        var result = await sandbox.RunAsync(new ExecutionRequest
        {
            Command = ["bash", "-c", "mkdir -p /output/sub && echo report > /output/sub/report.txt && ln -s /etc/passwd /output/passwd && mkfifo /output/pipe && chmod 000 /output/sub/report.txt"],
            Policy = Sandbox.Shell,
            WorkingDirectory = sandbox.Workspace,
            OutputDirectory = output,
        });

        Assert.AreEqual(0, result.ExitCode, result.Stderr.Text);
        Assert.AreEqual("report\n", File.ReadAllText(Path.Combine(output, "sub", "report.txt")));
        Assert.IsFalse(File.Exists(Path.Combine(output, "passwd")) || Directory.Exists(Path.Combine(output, "passwd")));
        Assert.IsFalse(File.Exists(Path.Combine(output, "pipe")));
        CollectionAssert.AreEquivalent(new[] { Path.Combine("sub", "report.txt") }, result.OutputFiles.ToArray());
        Assert.HasCount(2, result.Events.Where(e => e.Kind == "output_refused").ToArray());
    }

    [TestMethod]
    public async Task Writable_workspace_lets_the_command_write_back()
    {
        await using var sandbox = new Sandbox();
        // As root the command runs as 10001, which needs the directory to be writable for it.
        File.SetUnixFileMode(sandbox.Workspace, (UnixFileMode)0x1FF);
        var policy = Sandbox.Shell with { Workspace = WorkspaceAccess.ReadWrite };

        var result = await sandbox.BashAsync(policy, "echo built > artifact.txt");

        Assert.AreEqual(0, result.ExitCode, result.Stderr.Text);
        Assert.AreEqual("built\n", File.ReadAllText(Path.Combine(sandbox.Workspace, "artifact.txt")));
    }

    [TestMethod]
    public async Task Every_execution_is_audited_when_its_sandbox_starts_and_when_it_ends_with_the_limits_the_engine_applied()
    {
        await using var sandbox = new Sandbox();

        var first = await sandbox.RunAsync(Sandbox.Shell, "true");
        var second = await sandbox.RunAsync(Sandbox.Shell, "false");

        var verdict = AuditVerifier.Verify(sandbox.AuditLogPath);
        Assert.IsTrue(verdict.IsIntact, verdict.ToString());
        Assert.AreEqual(4, verdict.Records);
        Assert.AreEqual(second.AuditRecordHash, verdict.HeadHash);
        Assert.AreEqual(2, first.AuditSequence);
        var lines = File.ReadAllLines(sandbox.AuditLogPath);
        StringAssert.Contains(lines[2], "\"status\":\"started\"");
        StringAssert.Contains(lines[2], $"\"id\":\"{second.ExecutionId}\"");
        StringAssert.Contains(lines[2], $"\"container_id\":\"{second.ContainerId}\"");
        StringAssert.Contains(lines[2], $"\"owner\":\"{Gadugi.BuildExec.Core.Engine.OwnerIdentity.Current}\"");
        StringAssert.Contains(lines[3], "\"status\":\"completed\"");
        StringAssert.Contains(lines[3], "\"exit_code\":1");
        StringAssert.Contains(lines[3], "\"sandboxed\":true");
        StringAssert.Contains(lines[3], "\"memory_bytes\":536870912");
        StringAssert.Contains(lines[3], "\"argv\":[\"false\"]");
        StringAssert.Contains(lines[3], first.ImageId!);
    }

    [TestMethod]
    public async Task A_missing_image_is_a_coded_error_naming_the_fix()
    {
        await using var sandbox = new Sandbox();

        var error = await Assert.ThrowsExactlyAsync<GadugiException>(() => sandbox.RunAsync(Sandbox.Shell with { Image = "gadugi-test/does-not-exist:1" }, "true"));

        Assert.AreEqual("GBX1201", error.Code);
        StringAssert.Contains(error.Message, "gadugi-test/does-not-exist:1");
        StringAssert.Contains(error.Message, "docker pull");
    }

    [TestMethod]
    public async Task Twelve_concurrent_executions_all_finish_and_leave_nothing()
    {
        await using var sandbox = new Sandbox(maxConcurrency: 10);

        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => sandbox.BashAsync(Sandbox.Shell, $"sleep 0.5; echo {i}")));

        for (var i = 0; i < results.Length; i++)
        {
            Assert.AreEqual(0, results[i].ExitCode);
            Assert.AreEqual($"{i}\n", results[i].Stdout.Text);
        }

        Assert.AreEqual(24, AuditVerifier.Verify(sandbox.AuditLogPath).Records, "a started and an ending record per execution");
    }

    [TestMethod]
    public async Task At_most_max_concurrency_commands_run_at_once_and_the_rest_queue()
    {
        const int limit = 3;
        const int executions = 8;
        await using var sandbox = new Sandbox(maxConcurrency: limit);

        // Each command reports when it started and ended, by the host's clock (the sandbox shares it).
        var results = await Task.WhenAll(Enumerable.Range(0, executions).Select(_ => sandbox.BashAsync(Sandbox.Shell, "s=$(date +%s%N); sleep 0.5; echo \"$s $(date +%s%N)\"")));

        Assert.IsTrue(results.All(r => r.ExitCode == 0), string.Join("\n", results.Select(r => r.Stderr.Text)));
        var intervals = results.Select(r => r.Stdout.Text.Trim().Split(' ').Select(long.Parse).ToArray()).ToArray();
        var mostAtOnce = intervals.Max(i => intervals.Count(other => other[0] <= i[0] && i[0] < other[1]));
        Assert.IsLessThanOrEqualTo(limit, mostAtOnce, $"{mostAtOnce} commands ran at once with MaxConcurrency {limit}");

        // An execution that had to wait was admitted only after another one's whole command ran, so
        // its queue time exceeds the shortest command time; at least executions - limit had to wait.
        var shortestCommand = results.Min(r => r.WallTime);
        var waited = results.Count(r => r.QueueTime > shortestCommand);
        Assert.IsGreaterThanOrEqualTo(executions - limit, waited, string.Join(", ", results.Select(r => $"queued {r.QueueTime.TotalMilliseconds:0} ms")));
    }
}
