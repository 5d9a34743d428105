using System.Text.Json;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Engine.Docker;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Policies;
using Gadugi.BuildExec.Security.Tests.Support;
using static Gadugi.BuildExec.Security.Tests.Attacks.Errno;

namespace Gadugi.BuildExec.Security.Tests.Attacks;

/// <summary>
/// Attacks on what the executor itself runs or reads inside the sandbox: the cgroup files it reads
/// usage from, the keeper that ends an orphaned sandbox, the archiver that collects /output, and the
/// image's own volumes.
/// </summary>
public abstract class SandboxMachineryAttacks
{
    protected abstract SandboxRuntime Runtime { get; }

    /// <summary>
    /// A writable tmpfs at /sys/fs/cgroup would let the command write the files the executor reads
    /// peak memory and pids events from when it reads them inside the sandbox (the Action's path);
    /// one under /usr/lib would replace the libraries of the executor's helpers. A policy made in code
    /// skips the policy file's checks, so the executor refuses these before creating anything.
    /// </summary>
    [TestMethod]
    [DataRow("/sys/fs/cgroup")]
    [DataRow("//sys//fs/cgroup/")]
    [DataRow("/sys/fs/cgroup/memory")]
    [DataRow("/usr/lib/x86_64-linux-gnu")]
    [DataRow("/proc/sys")]
    [DataRow("/output/sub")]
    public async Task A_tmpfs_over_what_the_executor_reads_or_runs_is_refused_before_the_run(string path)
    {
        await using var attack = new Attack(Runtime);
        attack.WritableWorkspace();
        var policy = attack.Policy("shell") with { Tmpfs = ["/tmp", path], Workspace = WorkspaceAccess.ReadWrite };
        var forge = "mkdir -p /sys/fs/cgroup/memory && echo 1 > /sys/fs/cgroup/memory/memory.max_usage_in_bytes; touch /workspace/ran";

        var error = await Assert.ThrowsExactlyAsync<GadugiException>(() => attack.BashAsync(forge, policy));

        Assert.AreEqual("GBX3102", error.Code, error.Message);
        StringAssert.Contains(error.Message, $"'{path}'");
        Assert.IsFalse(File.Exists(Path.Combine(attack.Workspace, "ran")), "nothing may run");
    }

    /// <summary>
    /// An image's VOLUME would give the sandbox a writable directory on the engine's host, past the
    /// read-only root and the disk limit, left behind after the run as a dangling volume: such an
    /// image is refused before anything is created, naming the image, the volumes and the fix.
    /// </summary>
    [TestMethod]
    public async Task An_image_that_declares_volumes_is_refused_before_the_run()
    {
        var image = await VolumeImage.EnsureAsync();
        await using var attack = new Attack(Runtime);
        attack.WritableWorkspace();
        var policy = attack.Policy("shell") with { Image = image, Workspace = WorkspaceAccess.ReadWrite };

        var error = await Assert.ThrowsExactlyAsync<GadugiException>(() => attack.BashAsync("touch /workspace/ran; dd if=/dev/zero of=/scratch/fill bs=1M count=8", policy));

        Assert.AreEqual("GBX3103", error.Code, error.Message);
        StringAssert.Contains(error.Message, $"'{image}'");
        StringAssert.Contains(error.Message, "/scratch");
        StringAssert.Contains(error.Message, "/var/cache//app/");
        StringAssert.Contains(error.Message, "'tmpfs:'");
        Assert.IsFalse(File.Exists(Path.Combine(attack.Workspace, "ran")), "nothing may run");
    }

    /// <summary>The fix the refusal names: a policy tmpfs at each declared path replaces the volume (the engine skips a volume where the container mounts something).</summary>
    [TestMethod]
    public async Task An_image_whose_volumes_the_policy_covers_with_tmpfs_runs_without_a_volume()
    {
        var image = await VolumeImage.EnsureAsync();
        await using var attack = new Attack(Runtime);
        var policy = attack.Policy("shell") with { Image = image, Tmpfs = ["/tmp", "/scratch", "/var/cache/app"], DiskBytes = 4L * 1024 * 1024 };

        var result = await attack.BashAsync("for d in /scratch /var/cache/app; do stat -f -c %T $d; done; dd if=/dev/zero of=/scratch/fill bs=1M count=8 2>/dev/null || echo full", policy);

        Assert.AreEqual(0, result.ExitCode, result.Stderr.Text);
        Assert.AreEqual("tmpfs\ntmpfs\nfull\n", result.Stdout.Text, "each declared path is a private tmpfs, limited by disk");
    }

    /// <summary>
    /// The command cannot stop, kill, trace or write into the keeper (or the engine's init): they run
    /// as another uid, with no capabilities. Under the earlier design (same uid) SIGSTOP on the keeper
    /// kept an orphaned sandbox alive past its deadline, and SIGKILL ended the sandbox at once.
    /// </summary>
    [TestMethod]
    public async Task The_command_cannot_stop_kill_trace_or_write_the_keeper()
    {
        await using var attack = new Attack(Runtime);

        var result = await attack.RunAsync(attack.Policy(), "python3", "/workspace/keeper.py");

        Assert.AreEqual(0, result.ExitCode, result.Stderr.Text);
        Assert.IsFalse(result.Events.Any(e => e.Kind == "sandbox_ended"), string.Join("; ", result.Events));
        AssertKeeperUntouched(JsonDocument.Parse(result.Stdout.Text).RootElement);
    }

    /// <summary>
    /// The orphan case end to end: a sandbox made as the executor makes it, whose owner is gone (the
    /// test plays it and does nothing), after its command tried to stop the keeper and init, still
    /// ends itself at the keeper's deadline and is removed by the engine (AutoRemove).
    /// </summary>
    [TestMethod]
    public async Task An_orphaned_sandbox_whose_command_attacked_its_keeper_ends_itself_at_the_deadline()
    {
        await using var attack = new Attack(Runtime);
        await using var sandbox = await LiveSandbox.StartAsync(attack, TimeSpan.FromSeconds(20));
        await using var events = new OomWatcher(sandbox.Client, sandbox.Id, DateTimeOffset.UtcNow.AddSeconds(-5));

        var (exitCode, stdout, stderr) = await sandbox.ExecAsync(sandbox.CommandUser, "python3", "/workspace/keeper.py");

        Assert.AreEqual(0, exitCode, stderr);
        AssertKeeperUntouched(JsonDocument.Parse(stdout).RootElement);
        var ended = await Task.WhenAny(events.Died, Task.Delay(TimeSpan.FromSeconds(90)));
        Assert.AreSame(events.Died, ended, "the sandbox did not end at its keeper's deadline");
        Assert.AreEqual(0, await events.Died, "the keeper ended normally (exit 0), not killed");
        await AssertRemovedAsync(sandbox);
    }

    /// <summary>
    /// A leftover stops every process that starts after its command ended. An exec as the command's
    /// uid would be caught while the runtime's init enters the sandbox for it, and that exec, and every
    /// later one into the sandbox, would then wait forever (before, the collection hung until the
    /// keeper's deadline and failed as an engine error). So with the command's processes still
    /// running nothing runs as its uid: the archiver, as the sandbox's own uid, collects what is
    /// readable, and a file the command closed to others is refused and reported (it only costs the
    /// command that file).
    /// </summary>
    [TestMethod]
    public async Task A_leftover_that_stops_every_new_process_cannot_stop_the_collection()
    {
        await using var attack = new Attack(Runtime);
        var output = Path.Combine(attack.Root, "out");
        var policy = attack.Policy() with { DiskBytes = 16L * 1024 * 1024 };

        var result = await attack.RunAsync(new ExecutionRequest
        {
            Command = ["sh", "-c", "echo ok > /output/result.txt && echo mine > /output/private.txt && chmod 600 /output/private.txt && python3 /workspace/leftover.py stop"],
            Policy = policy,
            WorkingDirectory = attack.Workspace,
            OutputDirectory = output,
        });

        Assert.AreEqual(0, result.ExitCode, result.Stderr.Text);
        Assert.IsNull(result.KillReason);
        Assert.AreEqual("left\n", result.Stdout.Text);
        CollectionAssert.AreEqual(new[] { "result.txt" }, result.OutputFiles.ToArray(), string.Join("; ", result.Events));
        Assert.AreEqual("ok\n", File.ReadAllText(Path.Combine(output, "result.txt")));
        var refused = result.Events.Where(e => e.Kind == "output_refused").ToArray();
        Assert.HasCount(1, refused, string.Join("; ", result.Events));
        StringAssert.Contains(refused[0].Detail, "private.txt");
        Assert.IsFalse(refused[0].Detail.Contains("GBX1208", StringComparison.Ordinal), refused[0].Detail);
    }

    /// <summary>With nothing of the command left running, a file it closed to others is opened to the archiver first and comes back.</summary>
    [TestMethod]
    public async Task Without_leftovers_a_file_the_command_closed_to_others_is_still_collected()
    {
        await using var attack = new Attack(Runtime);
        var output = Path.Combine(attack.Root, "out");

        var result = await attack.RunAsync(new ExecutionRequest
        {
            Command = ["sh", "-c", "mkdir -m 700 /output/dir && echo mine > /output/dir/private.txt && chmod 600 /output/dir/private.txt"],
            Policy = attack.Policy("shell"),
            WorkingDirectory = attack.Workspace,
            OutputDirectory = output,
        });

        Assert.AreEqual(0, result.ExitCode, result.Stderr.Text);
        CollectionAssert.AreEqual(new[] { Path.Combine("dir", "private.txt") }, result.OutputFiles.ToArray(), string.Join("; ", result.Events));
        Assert.AreEqual("mine\n", File.ReadAllText(Path.Combine(output, "dir", "private.txt")));
    }

    /// <summary>
    /// Where the executor cannot read the host's cgroup files (the Action runs in a container), it
    /// reads them inside the sandbox. A leftover of the command's uid can open that reader's stdout
    /// through /proc/PID/fd/1 and write forged figures after the real ones (here: a 1-byte peak and
    /// 999 refused forks). The reader runs as the container's own user, the keeper's uid, so it
    /// cannot: as the command's uid, the same reader is fooled.
    /// </summary>
    [TestMethod]
    public async Task The_usage_read_inside_the_sandbox_cannot_be_forged_by_a_leftover()
    {
        await using var attack = new Attack(Runtime);
        await using var sandbox = await LiveSandbox.StartAsync(attack, TimeSpan.FromMinutes(3));
        if (Runtime == SandboxRuntime.Gvisor)
        {
            // gVisor shows no cgroup files inside its sandbox: nothing is read there (the executor
            // falls back to the engine's statistics and the host's cgroup files), so nothing to forge.
            Assert.IsNull(await CgroupProbe.ReadAsync(sandbox.Client, sandbox.Id, sandbox.KeeperUser, CancellationToken.None));
            return;
        }

        var (exitCode, stdout, stderr) = await sandbox.ExecAsync(sandbox.CommandUser, "python3", "/workspace/leftover.py", "inject");
        Assert.AreEqual(0, exitCode, stderr);
        Assert.AreEqual("left\n", stdout);

        for (var reading = 0; reading < 5; reading++)
        {
            var usage = await CgroupProbe.ReadAsync(sandbox.Client, sandbox.Id, sandbox.KeeperUser, CancellationToken.None);
            Assert.IsNotNull(usage, "the sandbox's cgroup files were not readable");
            Assert.IsGreaterThan(1_000_000L, usage.Usage.PeakMemoryBytes ?? 0, $"forged peak memory: {usage}");
            Assert.AreNotEqual(999L, usage.PidsLimitHits, $"forged pids events: {usage}");
        }

        // The attack is real: the same reader run as the command's uid is fooled.
        var fooled = false;
        for (var reading = 0; reading < 20 && !fooled; reading++)
        {
            var usage = await CgroupProbe.ReadAsync(sandbox.Client, sandbox.Id, sandbox.CommandUser, CancellationToken.None);
            fooled = usage?.Usage.PeakMemoryBytes == 1 || usage?.PidsLimitHits == 999;
        }

        Assert.IsTrue(fooled, "the injector never reached a reader of the command's uid, so this test proves nothing");
    }

    /// <summary>
    /// CVE-2019-5736: while the engine runs an exec into the sandbox, runc itself is briefly a
    /// process inside it; a command that opens that process's /proc/PID/exe and reopens it for
    /// writing replaces runc on the host. A watcher of the command's uid tries exactly that on every
    /// process while the engine runs execs as the command's and the keeper's uid (as the executor
    /// does). runc runs there as root and not dumpable, so its binary cannot even be opened (EACCES;
    /// runc 1.1 also runs from a sealed copy). Under gVisor the runtime never enters the sandbox:
    /// no such process exists there.
    /// </summary>
    [TestMethod]
    public async Task The_runtime_entering_the_sandbox_for_an_exec_cannot_be_opened_by_the_command()
    {
        await using var attack = new Attack(Runtime);
        await using var sandbox = await LiveSandbox.StartAsync(attack, TimeSpan.FromMinutes(3));
        var (started, watching, error) = await sandbox.ExecAsync(sandbox.CommandUser, "python3", "/workspace/runtime_exe.py");
        Assert.AreEqual(0, started, error);
        Assert.AreEqual("watching\n", watching);

        for (var exec = 0; exec < 10; exec++)
        {
            await sandbox.ExecAsync(exec % 2 == 0 ? sandbox.CommandUser : sandbox.KeeperUser, "/bin/true");
        }

        await sandbox.ExecAsync(sandbox.CommandUser, "/bin/sh", "-c", "touch /tmp/stop-watching");
        var report = await ReadWhenWrittenAsync(sandbox, "/tmp/watched.json");
        var runtime = report.GetProperty("runtime_processes").EnumerateArray().ToArray();
        Assert.IsFalse(report.GetProperty("attempts").TryGetProperty("runtime_reopened_for_writing", out _), "the runtime's binary was opened: " + report);
        if (IsGvisor)
        {
            Assert.IsEmpty(runtime, "no runtime process may be visible inside gVisor: " + report);
            return;
        }

        Assert.IsNotEmpty(runtime, "the watcher never saw runc enter the sandbox, so this proves nothing: " + report);
        foreach (var process in runtime)
        {
            Assert.IsFalse(process.TryGetProperty("opened", out _), "runc's binary was opened: " + process);
            CollectionAssert.IsSubsetOf(process.GetProperty("open_errnos").EnumerateArray().Select(e => e.GetInt32()).Distinct().ToArray(), new[] { EACCES, ENOENT }, process.ToString());
        }
    }

    private static async Task<JsonElement> ReadWhenWrittenAsync(LiveSandbox sandbox, string path)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var (exitCode, text, _) = await sandbox.ExecAsync(sandbox.CommandUser, "/bin/cat", path);
            if (exitCode == 0 && text.Length > 0)
            {
                return JsonDocument.Parse(text).RootElement.Clone();
            }

            await Task.Delay(100);
        }

        throw new AssertFailedException(path + " was never written");
    }

    /// <summary>
    /// Each attempt refused: EPERM (a signal to another uid; under runc also the profile's answer for
    /// ptrace and process_vm_writev) or EACCES (/proc files of another uid). gVisor has no
    /// pidfd_open or process_vm_writev (ENOSYS), and its /proc lets any uid read another process's
    /// environment: the keeper's holds only the image's variables (HOME, LANG, PATH, and the
    /// engine's HOSTNAME), never the command's.
    /// </summary>
    private void AssertKeeperUntouched(JsonElement attempts)
    {
        var refused = IsGvisor ? new[] { EPERM, EACCES, ENOSYS } : [EPERM, EACCES];
        var probes = new List<string> { "stop_keeper", "stop_init", "term_init", "pidfd_stop_keeper", "steal_keeper_descriptor", "write_keeper_memory", "vm_write_keeper", "ptrace_keeper", "kill_keeper" };
        if (IsGvisor)
        {
            var names = attempts.GetProperty("keeper_environ_names").EnumerateArray().Select(n => n.GetString()!).ToArray();
            CollectionAssert.IsSubsetOf(names, new[] { "HOME", "HOSTNAME", "LANG", "PATH" }, attempts.ToString());
        }
        else
        {
            probes.Add("read_keeper_environ");
        }

        foreach (var attempt in probes)
        {
            var answer = attempts.GetProperty(attempt);
            Assert.AreEqual(JsonValueKind.Number, answer.ValueKind, $"{attempt} worked: {attempts}");
            CollectionAssert.Contains(refused, answer.GetInt32(), $"{attempt}: {attempts}");
        }

        Assert.AreEqual("S", attempts.GetProperty("keeper_state").GetString(), "the keeper still sleeps: " + attempts);
    }

    private static async Task AssertRemovedAsync(LiveSandbox sandbox)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                await sandbox.Client.Containers.InspectContainerAsync(sandbox.Id);
            }
            catch (Docker.DotNet.DockerContainerNotFoundException)
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("the ended sandbox was not removed");
    }

    private bool IsGvisor => Runtime == SandboxRuntime.Gvisor;
}

[TestClass]
public sealed class SandboxMachineryAttacksUnderRunc : SandboxMachineryAttacks
{
    protected override SandboxRuntime Runtime => SandboxRuntime.Runc;
}

[TestClass]
public sealed class SandboxMachineryAttacksUnderGvisor : SandboxMachineryAttacks
{
    protected override SandboxRuntime Runtime => SandboxRuntime.Gvisor;
}
