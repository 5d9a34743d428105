using System.Globalization;
using System.Text.Json;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Policies;
using Gadugi.BuildExec.Security.Tests.Support;
using static Gadugi.BuildExec.Security.Tests.Attacks.Errno;
using Gadugi.BuildExec.Core.Engine.Docker;

namespace Gadugi.BuildExec.Security.Tests.Attacks;

/// <summary>
/// Resource attacks: each is stopped at its limit, reported with the right kill reason or event,
/// and leaves nothing on the host (no container, no network, no process carrying its marker).
/// </summary>
public abstract class ResourceAttacks
{
    protected abstract SandboxRuntime Runtime { get; }

    private bool IsGvisor => Runtime == SandboxRuntime.Gvisor;

    private static string NewMarker() => "gbxmark" + Guid.NewGuid().ToString("N")[..12];

    private static JsonElement LastJson(ExecutionResult result)
    {
        var line = result.Stdout.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()
            ?? throw new AssertFailedException($"no output (exit {result.ExitCode}, kill {result.KillReason}): {result.Stderr.Text}");
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    [TestMethod]
    public async Task Fork_loop_stops_at_the_pids_limit_which_runc_sandboxes_also_report()
    {
        await using var attack = new Attack(Runtime);
        var marker = NewMarker();
        const int limit = 48;
        const string script = """
            import json, os, signal, sys
            children, error = 0, None
            try:
                for _ in range(5000):
                    if os.fork() == 0:
                        signal.pause()
                        os._exit(0)
                    children += 1
            except OSError as e:
                error = e.errno
            print(json.dumps({"children": children, "errno": error}), flush=True)
            """;

        var result = await attack.RunAsync(attack.Policy() with { PidsLimit = limit }, "python3", "-c", script, marker);

        var report = LastJson(result);
        Assert.AreEqual(EAGAIN, report.GetProperty("errno").GetInt32(), "fork must fail with EAGAIN at the limit");
        Assert.IsLessThan(limit, report.GetProperty("children").GetInt32());
        Assert.AreEqual(0, result.ExitCode, result.Stderr.Text);
        if (!IsGvisor)
        {
            // Under gVisor the limit is RLIMIT_NPROC inside its kernel, which the host cannot count.
            var pids = result.Events.SingleOrDefault(e => e.Kind == "pids_limit");
            Assert.IsNotNull(pids, "the pids limit must be reported: " + string.Join("; ", result.Events));
            StringAssert.Contains(pids.Detail, $"limit of {limit} processes");
            AssertAudited(attack, result, "pids_limit", $"limit of {limit} processes");
        }

        await AssertNothingSurvivesAsync(result, marker);
    }

    private const int EAGAIN = 11;

    /// <summary>
    /// No process of the sandbox is left on the host. Under runc the sandbox's processes are host
    /// processes carrying the marker; under gVisor they live inside the Sentry, invisible to that
    /// check, so the host processes that make up the sandbox are checked too: runsc-sandbox,
    /// runsc-gofer and the shim all carry the container id on their command lines
    /// (<see cref="The_host_processes_of_a_running_sandbox_carry_its_container_id"/> proves it).
    /// </summary>
    private static async Task AssertNothingSurvivesAsync(ExecutionResult result, string marker)
    {
        await HostProcesses.AssertNoneWithMarkerAsync(marker);
        Assert.IsNotNull(result.ContainerId, "the run must name its container");
        await HostProcesses.AssertNoneWithMarkerAsync(result.ContainerId);
    }

    /// <summary>The audit log's record of this execution (not only the result object) holds the event.</summary>
    private static JsonElement AssertAudited(Attack attack, ExecutionResult result, string kind, string? detail = null, string? killReason = null)
    {
        var records = File.ReadAllLines(attack.AuditLogPath).Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToArray();
        var record = records.Single(r => r.GetProperty("id").GetString() == result.ExecutionId && r.GetProperty("status").GetString() != "started");
        var events = record.GetProperty("events").EnumerateArray().ToArray();
        var found = events.Where(e => e.GetProperty("kind").GetString() == kind).ToArray();
        Assert.IsNotEmpty(found, $"audit record {result.ExecutionId} lacks a '{kind}' event: {record}");
        if (detail is not null)
        {
            StringAssert.Contains(found[0].GetProperty("detail").GetString(), detail, record.ToString());
        }

        if (killReason is not null)
        {
            Assert.AreEqual(killReason, record.GetProperty("result").GetProperty("kill_reason").GetString(), record.ToString());
        }

        // One record ends the run; a sandboxed run also has the 'started' record written before its sandbox started.
        Assert.AreEqual(result.AuditRecordHash is null ? 0 : 1, records.Count(r => r.GetProperty("id").GetString() == result.ExecutionId && r.GetProperty("status").GetString() != "started"));
        Assert.AreEqual(result.ContainerId is null ? 0 : 1, records.Count(r => r.GetProperty("id").GetString() == result.ExecutionId && r.GetProperty("status").GetString() == "started"));
        return record;
    }

    [TestMethod]
    public async Task A_request_the_policy_denies_is_refused_and_audited_as_denied()
    {
        await using var attack = new Attack(Runtime);
        var marker = Path.Combine(attack.Workspace, "ran");

        var error = await Assert.ThrowsExactlyAsync<Core.Diagnostics.GadugiException>(() => attack.RunAsync(new ExecutionRequest
        {
            Command = ["touch", "/workspace/ran"],
            Policy = attack.Policy("shell") with { Workspace = WorkspaceAccess.ReadWrite },
            WorkingDirectory = attack.Workspace,
            Environment = new Dictionary<string, string> { ["GBX_NOT_ALLOWED"] = "host secret" },
        }));

        Assert.AreEqual("GBX2009", error.Code);
        Assert.IsFalse(File.Exists(marker), "nothing ran");
        var record = JsonDocument.Parse(File.ReadAllLines(attack.AuditLogPath).Single()).RootElement;
        Assert.AreEqual("denied", record.GetProperty("status").GetString(), record.ToString());
        Assert.IsFalse(record.GetProperty("sandboxed").GetBoolean());
        var denied = record.GetProperty("events").EnumerateArray().Single(e => e.GetProperty("kind").GetString() == "denied");
        StringAssert.Contains(denied.GetProperty("detail").GetString(), "GBX_NOT_ALLOWED");
        Assert.IsFalse(record.GetRawText().Contains("host secret", StringComparison.Ordinal), "values never reach the audit log");
    }

    [TestMethod]
    public async Task The_host_processes_of_a_running_sandbox_carry_its_container_id()
    {
        await using var attack = new Attack(Runtime);
        var policy = attack.Policy("shell") with { Name = NewMarker() };
        var marker = NewMarker();
        var sink = new TextSink();
        var running = attack.RunAsync(new ExecutionRequest { Command = ["bash", "-c", "echo up; for i in $(seq 600); do [ -e /workspace/done ] && exit 0; sleep 0.1; done", marker], Policy = policy, WorkingDirectory = attack.Workspace, Output = sink });
        for (var attempt = 0; attempt < 600 && !sink.Text.Contains("up", StringComparison.Ordinal) && !running.IsCompleted; attempt++)
        {
            await Task.Delay(100);
        }

        using var engine = await Core.Engine.Docker.EngineConnection.ConnectAsync();
        var containers = await engine.Client.Containers.ListContainersAsync(new Docker.DotNet.Models.ContainersListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{Core.Engine.ContainerLabels.Policy}={policy.Name}"] = true } },
        });
        var id = containers.Single().ID;
        var processes = HostProcesses.WithMarker(id);
        var commandProcesses = HostProcesses.WithMarker(marker);
        await File.WriteAllTextAsync(Path.Combine(attack.Workspace, "done"), string.Empty);
        var result = await running;

        Assert.AreEqual(id, result.ContainerId);
        Assert.IsTrue(processes.Any(p => p.Contains("containerd-shim", StringComparison.Ordinal)), string.Join("; ", processes));
        if (IsGvisor)
        {
            Assert.IsTrue(processes.Any(p => p.Contains("runsc-sandbox", StringComparison.Ordinal)), string.Join("; ", processes));
            Assert.IsTrue(processes.Any(p => p.Contains("runsc-gofer", StringComparison.Ordinal)), string.Join("; ", processes));
        }

        if (!IsGvisor)
        {
            // Under runc the command itself is a host process carrying its marker while it runs.
            Assert.IsNotEmpty(commandProcesses, "the running command's marker must be visible on the host under runc");
        }

        await AssertNothingSurvivesAsync(result, marker);
    }

    [TestMethod]
    public async Task A_sandbox_left_full_of_processes_still_yields_a_result_and_its_output()
    {
        await using var attack = new Attack(Runtime);
        var output = attack.MakeDirectory("out");
        const string script = """
            import os, signal
            open("/output/before.txt", "w").write("written before the fork bomb")
            try:
                while True:
                    if os.fork() == 0:
                        signal.pause()
                        os._exit(0)
            except OSError:
                pass
            """;

        var result = await attack.RunAsync(new ExecutionRequest { Command = ["python3", "-c", script], Policy = attack.Policy() with { PidsLimit = 32 }, WorkingDirectory = attack.Workspace, OutputDirectory = output });

        Assert.AreEqual(0, result.ExitCode, result.Stderr.Text);
        Assert.IsNull(result.KillReason);
        // Collecting /output needs a process in the sandbox; the executor makes room for it.
        CollectionAssert.AreEqual(new[] { "before.txt" }, result.OutputFiles.ToArray(), string.Join("; ", result.Events));
    }

    [TestMethod]
    public async Task Memory_balloon_is_oom_killed_and_reported()
    {
        await using var attack = new Attack(Runtime);
        var marker = NewMarker();

        var result = await attack.RunAsync(attack.Policy() with { MemoryBytes = 128L * 1024 * 1024 }, "python3", "-c", "blocks = []\nwhile True: blocks.append(bytearray(8 * 1024 * 1024))", marker);

        Assert.AreEqual(KillReason.Oom, result.KillReason, string.Join("; ", result.Events));
        Assert.AreEqual(137, result.ExitCode);
        Assert.IsTrue(result.Events.Any(e => e.Kind == "oom"), string.Join("; ", result.Events));
        AssertAudited(attack, result, "oom", killReason: "oom");
        if (IsGvisor)
        {
            // The OOM killer ends gVisor's Sentry, the host process at the limit, so the whole sandbox ends.
            Assert.IsTrue(result.Events.Any(e => e.Kind == "sandbox_ended"), string.Join("; ", result.Events));
        }

        await AssertNothingSurvivesAsync(result, marker);
    }

    [TestMethod]
    public async Task Filling_every_writable_mount_stops_at_its_size()
    {
        await using var attack = new Attack(Runtime);
        const long disk = 16L * 1024 * 1024;
        // Every mount the sandbox user can create a file in is found from /proc/self/mounts (not a
        // fixed list, so a mount added later is attacked too), then filled until the kernel refuses.
        const string script = """
            import json, os
            pseudo = {"proc", "sysfs", "devpts", "mqueue", "cgroup", "cgroup2", "securityfs", "debugfs", "tracefs", "bpf"}
            with open("/proc/self/mounts") as f:
                mounts = sorted({line.split()[1] for line in f if line.split()[2] not in pseudo})
            chunk = b"x" * (1024 * 1024)
            result = {}
            for mount in mounts:
                path = os.path.join(mount, ".gadugi-fill")
                try:
                    f = open(path, "wb", buffering=0)
                except OSError:
                    continue
                written, error = 0, None
                try:
                    with f:
                        while written < 256 * 1024 * 1024:
                            written += f.write(chunk)
                except OSError as e:
                    error = e.errno
                result[mount] = {"written": written, "errno": error}
                os.remove(path)
            print(json.dumps(result), flush=True)
            """;

        var result = await attack.PythonAsync(script, attack.Policy() with { DiskBytes = disk });

        var report = LastJson(result);
        var expected = new Dictionary<string, long> { ["/tmp"] = disk, ["/output"] = disk, ["/dev/shm"] = ContainerSpecBuilder.ShmSizeBytes };
        CollectionAssert.AreEquivalent(expected.Keys.ToArray(), report.EnumerateObject().Select(mount => mount.Name).ToArray(), $"the writable mounts: {report}");
        foreach (var (mount, size) in expected)
        {
            var entry = report.GetProperty(mount);
            Assert.AreEqual(ENOSPC, entry.GetProperty("errno").GetInt32(), $"{mount}: {entry}");
            Assert.IsLessThanOrEqualTo(size, entry.GetProperty("written").GetInt64(), $"{mount}: {entry}");
        }
    }

    /// <summary>Creates empty files in /tmp (16 MB) until refused; prints how many and the errno.</summary>
    private protected async Task<ExecutionResult> FloodInodesAsync(long disk)
    {
        await using var attack = new Attack(Runtime);
        const string script = """
            import json, os
            created, error = 0, None
            try:
                while created < 3000000:
                    os.close(os.open(f"/tmp/f{created}", os.O_CREAT | os.O_WRONLY, 0o600))
                    created += 1
            except OSError as e:
                error = e.errno
            print(json.dumps({"created": created, "errno": error}), flush=True)
            """;

        return await attack.PythonAsync(script, attack.Policy() with { DiskBytes = disk, MemoryBytes = 256L * 1024 * 1024 });
    }

    private protected static JsonElement LastJsonOf(ExecutionResult result) => LastJson(result);

    [TestMethod]
    public async Task Descriptor_exhaustion_stops_at_the_nofile_limit()
    {
        await using var attack = new Attack(Runtime);
        const long limit = 256;
        const string script = """
            import json, os
            opened, error = [], None
            try:
                while len(opened) < 100000:
                    opened.append(os.open("/dev/null", os.O_RDONLY))
            except OSError as e:
                error = e.errno
            print(json.dumps({"opened": len(opened), "errno": error}), flush=True)
            """;

        var result = await attack.PythonAsync(script, attack.Policy() with { OpenFiles = limit });

        var report = LastJson(result);
        Assert.AreEqual(EMFILE, report.GetProperty("errno").GetInt32());
        Assert.IsLessThan(limit, report.GetProperty("opened").GetInt64());
    }

    [TestMethod]
    public async Task Cpu_spin_beyond_the_quota_is_throttled()
    {
        await using var attack = new Attack(Runtime);
        const decimal cpus = 0.5m;
        // Two spinning processes for 3 s of the sandbox's own clock; it measures the CPU time they got.
        const string script = """
            import json, os, time
            start = time.monotonic()
            pids = []
            for _ in range(2):
                pid = os.fork()
                if pid == 0:
                    while time.monotonic() - start < 3:
                        pass
                    os._exit(0)
                pids.append(pid)
            for pid in pids:
                os.waitpid(pid, 0)
            wall = time.monotonic() - start
            usage = os.times()
            print(json.dumps({"wall": wall, "cpu": usage.children_user + usage.children_system}), flush=True)
            """;

        var result = await attack.PythonAsync(script, attack.Policy() with { Cpus = cpus });

        var report = LastJson(result);
        var inside = report.GetProperty("cpu").GetDouble() / report.GetProperty("wall").GetDouble();
        var measured = result.Usage.CpuTime!.Value.TotalSeconds / result.WallTime.TotalSeconds;
        const double slack = 0.15;
        if (!IsGvisor)
        {
            // gVisor's own clock and accounting do not see the host's throttling; the host's cgroup does.
            Assert.IsLessThanOrEqualTo((double)cpus + slack, inside, $"in-sandbox CPU/wall ratio {inside:F2}");
        }

        Assert.IsLessThanOrEqualTo((double)cpus + slack, measured, $"host-measured CPU/wall ratio {measured:F2} ({result.Usage.CpuTime} over {result.WallTime})");
        Assert.IsGreaterThan(0.02, measured, "the spin did run");
    }

    [TestMethod]
    public async Task Output_flood_is_killed_at_the_output_limit()
    {
        await using var attack = new Attack(Runtime);
        var sink = new TextSink();
        const long limit = 512 * 1024;

        var result = await attack.RunAsync(new ExecutionRequest
        {
            Command = ["bash", "-c", "exec yes flood"],
            Policy = attack.Policy("shell") with { OutputLimitBytes = limit, CaptureLimitBytes = 4096 },
            WorkingDirectory = attack.Workspace,
            Output = sink,
        });

        Assert.AreEqual(KillReason.OutputLimit, result.KillReason);
        Assert.AreEqual(limit, sink.Text.Length, "exactly the limit is forwarded");
        Assert.IsTrue(result.Events.Any(e => e.Kind == "output_limit"));
    }

    [TestMethod]
    public async Task A_process_ignoring_sigterm_and_its_daemonised_child_are_killed_at_the_timeout()
    {
        await using var attack = new Attack(Runtime);
        var marker = NewMarker();
        var script = $"trap '' TERM; (setsid bash -c 'trap \"\" TERM HUP; exec -a {marker}-daemon sleep 3600' </dev/null >/dev/null 2>&1 &); exec -a {marker}-main sleep 3600";

        var result = await attack.BashAsync(script, attack.Policy("shell") with { Timeout = TimeSpan.FromSeconds(3) });

        Assert.AreEqual(KillReason.Timeout, result.KillReason);
        Assert.AreEqual(137, result.ExitCode);
        Assert.IsTrue(result.Events.Any(e => e.Kind == "timeout"));
        AssertAudited(attack, result, "timeout", killReason: "timeout");
        await AssertNothingSurvivesAsync(result, marker);
    }

    [TestMethod]
    public async Task A_daemon_left_behind_by_a_finished_command_does_not_outlive_the_run()
    {
        await using var attack = new Attack(Runtime);
        var marker = NewMarker();
        var script = $"(setsid bash -c 'trap \"\" TERM HUP; exec -a {marker} sleep 3600' </dev/null >/dev/null 2>&1 &); sleep 0.2; echo left-a-daemon";

        var result = await attack.BashAsync(script);

        Assert.AreEqual(0, result.ExitCode, result.Stderr.Text);
        Assert.AreEqual("left-a-daemon\n", result.Stdout.Text);
        await AssertNothingSurvivesAsync(result, marker);
    }
}

[TestClass]
public sealed class ResourceAttacksUnderRunc : ResourceAttacks
{
    protected override SandboxRuntime Runtime => SandboxRuntime.Runc;

    [TestMethod]
    public async Task Inode_exhaustion_stops_at_the_tmpfs_inode_limit()
    {
        const long disk = 16L * 1024 * 1024;

        var report = LastJsonOf(await FloodInodesAsync(disk));

        Assert.AreEqual(Errno.ENOSPC, report.GetProperty("errno").GetInt32(), report.ToString());
        Assert.IsLessThanOrEqualTo(ContainerSpecBuilder.InodeLimit(disk), report.GetProperty("created").GetInt64());
    }
}

[TestClass]
public sealed class ResourceAttacksUnderGvisor : ResourceAttacks
{
    protected override SandboxRuntime Runtime => SandboxRuntime.Gvisor;

    /// <summary>
    /// gVisor's tmpfs ignores nr_inodes: each inode is Sentry memory, so the flood ends at the memory
    /// limit instead, where the kernel's OOM killer ends the whole sandbox.
    /// </summary>
    [TestMethod]
    public async Task Inode_exhaustion_ends_at_the_memory_limit()
    {
        var result = await FloodInodesAsync(16L * 1024 * 1024);

        Assert.AreEqual(KillReason.Oom, result.KillReason, $"exit {result.ExitCode}: {result.Stdout.Text}");
    }
}
