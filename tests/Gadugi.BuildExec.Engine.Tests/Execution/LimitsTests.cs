using Gadugi.BuildExec.Core.Audit;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Engine.Tests.Support;

namespace Gadugi.BuildExec.Engine.Tests.Execution;

[TestClass]
public sealed class LimitsTests
{
    [TestMethod]
    public async Task Memory_hog_is_oom_killed_and_reported_as_such()
    {
        await using var sandbox = new Sandbox();
        var policy = Sandbox.Python with { MemoryBytes = 64L * 1024 * 1024 };

        var result = await sandbox.RunAsync(policy, "python3", "-c", "blocks = []\nwhile True: blocks.append(bytearray(8 * 1024 * 1024))");

        Assert.AreEqual(KillReason.Oom, result.KillReason);
        Assert.AreEqual(137, result.ExitCode);
        Assert.AreEqual(9, result.Signal);
        Assert.IsTrue(result.Events.Any(e => e.Kind == "oom"));
    }

    [TestMethod]
    public async Task Fork_loop_stops_at_the_pids_limit()
    {
        await using var sandbox = new Sandbox();
        var policy = Sandbox.Python with { PidsLimit = 32 };
        const string forkLoop = """
            import os, signal
            children = []
            error = None
            try:
                for _ in range(500):
                    pid = os.fork()
                    if pid == 0:
                        signal.pause()
                        os._exit(0)
                    children.append(pid)
            except OSError as e:
                error = e.errno
            print(len(children), error)
            for pid in children:
                os.kill(pid, signal.SIGKILL)
            """;

        var result = await sandbox.RunAsync(policy, "python3", "-c", forkLoop);

        var fields = result.Stdout.Text.Trim().Split(' ');
        Assert.IsLessThan(32, int.Parse(fields[0], System.Globalization.CultureInfo.InvariantCulture), result.Stdout.Text);
        Assert.AreEqual("11", fields[1], "fork must fail with EAGAIN at the limit");
        Assert.AreEqual(0, result.ExitCode, result.Stderr.Text);
        Assert.IsNull(result.KillReason);
    }

    [TestMethod]
    public async Task Sleep_forever_is_killed_at_the_timeout()
    {
        await using var sandbox = new Sandbox();
        var policy = Sandbox.Shell with { Timeout = TimeSpan.FromSeconds(2) };

        var result = await sandbox.RunAsync(policy, "sleep", "3600");

        Assert.AreEqual(KillReason.Timeout, result.KillReason);
        Assert.AreEqual(137, result.ExitCode);
        Assert.IsTrue(result.Events.Any(e => e.Kind == "timeout"));
    }

    [TestMethod]
    public async Task A_process_ignoring_sigterm_and_its_daemonised_child_do_not_outlive_the_timeout()
    {
        await using var sandbox = new Sandbox();
        var policy = Sandbox.Shell with { Timeout = TimeSpan.FromSeconds(2) };

        var result = await sandbox.BashAsync(policy, "trap '' TERM; (setsid sleep 3600 &); sleep 3600");

        Assert.AreEqual(KillReason.Timeout, result.KillReason);
    }

    [TestMethod]
    public async Task Output_flood_is_capped_and_keeps_head_and_tail()
    {
        await using var sandbox = new Sandbox();
        var policy = Sandbox.Shell with { OutputLimitBytes = 1024 * 1024, CaptureLimitBytes = 4096 };
        var sink = new TextSink();

        var result = await sandbox.RunAsync(new ExecutionRequest
        {
            Command = ["bash", "-c", "echo FIRST-LINE; exec yes"],
            Policy = policy,
            WorkingDirectory = sandbox.Workspace,
            Output = sink,
        });

        Assert.AreEqual(KillReason.OutputLimit, result.KillReason);
        Assert.AreEqual(1024 * 1024, sink.Stdout.Length, "exactly the limit is forwarded live");
        StringAssert.StartsWith(result.Stdout.Text, "FIRST-LINE\ny\n");
        StringAssert.Contains(result.Stdout.Text, "bytes omitted]");
        StringAssert.EndsWith(result.Stdout.Text.TrimEnd('\n'), "\ny");
        Assert.IsTrue(result.Stdout.Truncated);
    }

    [TestMethod]
    public async Task Output_flood_is_capped_on_the_host_too_under_fallback_shell()
    {
        // No engine answers, and the policy allows the unsandboxed fallback: the output cap still holds.
        await using var host = new SandboxHarness("gadugi-fallback-test", new ExecutorOptions { Endpoint = new Uri("unix:///nonexistent/docker.sock") });
        var policy = Sandbox.Shell with { Fallback = Core.Policies.FallbackMode.Shell, OutputLimitBytes = 1024 * 1024, CaptureLimitBytes = 4096 };
        var sink = new TextSink();

        var result = await host.RunAsync(new ExecutionRequest
        {
            Command = ["bash", "-c", "echo FIRST-LINE; exec yes"],
            Policy = policy,
            WorkingDirectory = host.Workspace,
            Output = sink,
        });

        Assert.IsFalse(result.Sandboxed);
        Assert.AreEqual(KillReason.OutputLimit, result.KillReason);
        Assert.AreEqual(1024 * 1024, sink.Stdout.Length, "exactly the limit is forwarded live");
        StringAssert.StartsWith(result.Stdout.Text, "FIRST-LINE\ny\n");
        StringAssert.Contains(result.Stdout.Text, "bytes omitted]");
        Assert.IsTrue(result.Stdout.Truncated);
        Assert.IsTrue(result.Events.Any(e => e.Kind == "output_limit"), string.Join(", ", result.Events.Select(e => e.Kind)));
        StringAssert.Contains(File.ReadAllLines(host.AuditLogPath).Last(), "\"kill_reason\":\"output_limit\"");
    }

    [TestMethod]
    public async Task Connect_attempts_fail_without_network()
    {
        await using var sandbox = new Sandbox();
        var gateway = await DockerBridge.GatewayAsync();

        var result = await sandbox.BashAsync(Sandbox.Shell, $"ls /sys/class/net; (exec 3<>/dev/tcp/{gateway}/2375) 2>&1 && echo CONNECTED || echo REFUSED");

        Assert.AreEqual("lo\nREFUSED", string.Join('\n', result.Stdout.Text.Trim().Split('\n').Where(l => l is "lo" or "REFUSED" or "CONNECTED" || l.StartsWith("eth", StringComparison.Ordinal))));
        StringAssert.Contains(result.Stdout.Text, "Network is unreachable");
    }

    /// <summary>
    /// Each write is refused by a read-only mount (EROFS), not by permissions: the targets are
    /// folders and files the sandbox user could write otherwise (the image's world-writable
    /// /var/tmp and /run/lock, an input and a workspace folder and file open to everyone), so a
    /// writable mount would let every one of them through.
    /// </summary>
    [TestMethod]
    public async Task Writes_to_root_workspace_and_input_fail_as_read_only_but_tmp_works()
    {
        await using var sandbox = new Sandbox();
        var input = Directory.CreateDirectory(Path.Combine(sandbox.Root, "in")).FullName;
        File.WriteAllText(Path.Combine(input, "data.txt"), "original");
        File.SetUnixFileMode(Path.Combine(input, "data.txt"), (UnixFileMode)0x1B6); // 0666
        File.SetUnixFileMode(input, (UnixFileMode)0x1FF); // 0777
        File.SetUnixFileMode(sandbox.Workspace, (UnixFileMode)0x1FF);
        const string script = """
            for f in /var/tmp/evil /run/lock/evil /evil /usr/evil /input/data.txt /input/new /workspace/new; do
              if err=$( { echo x > "$f"; } 2>&1 ); then echo "WROTE $f"
              else case "$err" in *"Read-only file system"*) echo "READONLY $f" ;; *) echo "OTHER $f: $err" ;; esac; fi
            done
            echo ok > /tmp/t && cat /tmp/t
            """;

        var result = await sandbox.RunAsync(new ExecutionRequest { Command = ["bash", "-c", script], Policy = Sandbox.Shell, WorkingDirectory = sandbox.Workspace, InputDirectory = input });

        Assert.AreEqual("READONLY /var/tmp/evil\nREADONLY /run/lock/evil\nREADONLY /evil\nREADONLY /usr/evil\nREADONLY /input/data.txt\nREADONLY /input/new\nREADONLY /workspace/new\nok\n", result.Stdout.Text);
        Assert.AreEqual("original", File.ReadAllText(Path.Combine(input, "data.txt")));
    }

    [TestMethod]
    public async Task Cancelling_kills_the_sandbox_and_leaves_nothing()
    {
        await using var sandbox = new Sandbox();
        using var cancellation = new CancellationTokenSource();
        var sink = new StartSignalSink();

        var running = sandbox.RunAsync(new ExecutionRequest { Command = ["bash", "-c", "echo started; sleep 3600"], Policy = Sandbox.Shell, WorkingDirectory = sandbox.Workspace, Output = sink }, cancellation.Token);
        await sink.Started.WaitAsync(TimeSpan.FromMinutes(1));
        await cancellation.CancelAsync();
        var result = await running;

        Assert.AreEqual(KillReason.Cancelled, result.KillReason);
        await SandboxHarness.AssertNothingLeftAsync(result.ExecutionId);
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task Cancelling_at_any_early_point_leaves_no_container_and_is_audited(bool allowlist)
    {
        // From "already cancelled" through queueing, image lookup, (network,) container creation and
        // start: every point must end in a cancelled, audited result with nothing of that execution left.
        await using var sandbox = new Sandbox();
        var policy = allowlist
            ? Sandbox.Shell with { Network = new Core.Policies.NetworkPolicy(Core.Policies.NetworkMode.Allowlist, [Core.Policies.PolicyValueParser.ParseDestination("192.0.2.10:443")!]) }
            : Sandbox.Shell;
        int[] delaysMs = [-1, 0, 1, 3, 10, 25, 50, 80, 120, 180, 250, 400];
        foreach (var delay in delaysMs)
        {
            using var cancellation = new CancellationTokenSource();
            if (delay < 0)
            {
                await cancellation.CancelAsync();
            }
            else
            {
                cancellation.CancelAfter(delay);
            }

            // RunAsync also asserts that nothing labelled with the execution is left: no container, no network.
            var result = await sandbox.RunAsync(new ExecutionRequest { Command = ["sleep", "3600"], Policy = policy, WorkingDirectory = sandbox.Workspace }, cancellation.Token);

            Assert.AreEqual(KillReason.Cancelled, result.KillReason, $"cancelled after {delay} ms");
            Assert.IsNotNull(result.AuditSequence, $"cancelled after {delay} ms: not audited");
        }

        // A run cancelled after its sandbox existed has a started record too; every run has exactly one ending.
        var records = File.ReadAllLines(sandbox.AuditLogPath).Where(r => !r.Contains("\"status\":\"started\"", StringComparison.Ordinal)).ToArray();
        Assert.HasCount(delaysMs.Length, records);
        Assert.IsTrue(records.All(r => r.Contains("\"kill_reason\":\"cancelled\"", StringComparison.Ordinal)), string.Join("\n", records));
        Assert.IsEmpty(AuditRuns.Read(sandbox.AuditLogPath).Open, "every started run was ended");
    }

    private sealed class StartSignalSink : IOutputSink
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Started => _started.Task;

        public ValueTask WriteAsync(OutputStreamKind stream, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            _started.TrySetResult();
            return ValueTask.CompletedTask;
        }
    }
}
