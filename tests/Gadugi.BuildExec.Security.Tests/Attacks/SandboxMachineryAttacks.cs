using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Policies;
using Gadugi.BuildExec.Security.Tests.Support;

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
