using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Network;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Core.Health;

/// <summary>
/// Answers "can this machine sandbox?": is the engine there, which runtimes and images it has, and
/// do memory, pids and network limits actually hold (proven by running small offenders).
/// </summary>
public sealed class SandboxDoctor(Uri? endpoint = null)
{
    public async IAsyncEnumerable<HealthCheck> RunAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ISandboxEngine? engine = null;
        string? unavailable = null;
        try
        {
            engine = await SandboxEngines.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
        }
        catch (GadugiException ex)
        {
            unavailable = ex.Message;
        }

        if (engine is null)
        {
            yield return new HealthCheck("engine", HealthStatus.Fail, unavailable ?? "unavailable");
            yield break;
        }

        await using (engine.ConfigureAwait(false))
        {
            var info = await engine.DescribeAsync(cancellationToken).ConfigureAwait(false);
            yield return new HealthCheck("engine", HealthStatus.Pass, $"{info.Endpoint} (from {info.EndpointSource}): Docker {info.Version}, engine API {info.ApiVersion}, speaking API {info.ClientApiVersion} (client speaks {info.ClientApiRange})");
            yield return new HealthCheck("cgroups", HealthStatus.Pass, $"cgroup {info.CgroupVersion}, driver {info.CgroupDriver}, storage {info.StorageDriver}, security {string.Join(", ", info.SecurityOptions)}");
            var runtimes = info.Runtimes;
            yield return new HealthCheck("runtime runc", runtimes.Contains("runc") ? HealthStatus.Pass : HealthStatus.Fail, "runtimes: " + string.Join(", ", runtimes));

            var images = new List<string>();
            foreach (var policy in PolicyDefaults.BuiltIn.Values)
            {
                var present = await ImagePresentAsync(engine, policy.Image, cancellationToken).ConfigureAwait(false);
                if (present)
                {
                    images.Add(policy.Image);
                }

                yield return new HealthCheck("image " + policy.Image, present ? HealthStatus.Pass : HealthStatus.Warn, present ? "present" : "missing: run 'gadugi-exec images build " + policy.Name + "'");
            }

            if (!images.Contains(PolicyDefaults.BuiltIn["shell"].Image))
            {
                yield return new HealthCheck("limits", HealthStatus.Fail, "cannot prove limits without the shell image: run 'gadugi-exec images build shell'");
                yield break;
            }

            await using var executor = new SandboxExecutor(new ExecutorOptions { Endpoint = endpoint, AuditLogPath = null });
            var workspace = Directory.CreateTempSubdirectory("gadugi-doctor-").FullName;
            if (!OperatingSystem.IsWindows())
            {
                // Temporary directories are private (0700); the sandbox user must be able to enter it.
                File.SetUnixFileMode(workspace, (UnixFileMode)0x1ED);
            }

            try
            {
                var exec = await ProbeExecAsync(executor, workspace, cancellationToken).ConfigureAwait(false);
                yield return exec;
                if (exec.Status == HealthStatus.Fail)
                {
                    yield break;
                }

                yield return await ProbeMemoryAsync(executor, workspace, cancellationToken).ConfigureAwait(false);
                yield return await ProbePidsAsync(executor, workspace, images.Contains(PolicyDefaults.BuiltIn["python"].Image), cancellationToken).ConfigureAwait(false);
                yield return await ProbeNetworkAsync(executor, workspace, cancellationToken).ConfigureAwait(false);
                var python = images.Contains(PolicyDefaults.BuiltIn["python"].Image);
                if (python)
                {
                    yield return await ProbeSeccompAsync(executor, workspace, cancellationToken).ConfigureAwait(false);
                }

                yield return await ProbeFirewallAsync(cancellationToken).ConfigureAwait(false);
                if (runtimes.Contains(SandboxRuntimes.Gvisor))
                {
                    foreach (var check in await ProbeGvisorAsync(executor, workspace, info.KernelVersion, python, cancellationToken).ConfigureAwait(false))
                    {
                        yield return check;
                    }

                    yield return runtimes.Contains(SandboxRuntimes.GvisorNetwork)
                        ? new HealthCheck("runtime gvisor network", HealthStatus.Pass, "runsc-net is registered: gVisor sandboxes may use network: bridge or an allowlist")
                        : new HealthCheck("runtime gvisor network", HealthStatus.Warn, "no runsc-net runtime: gVisor policies with network: bridge or an allowlist fail with GBX3006. Merge \"runsc-net\": { \"path\": \"/usr/bin/runsc\" } into \"runtimes\" in /etc/docker/daemon.json and reload the engine.");
                }
                else
                {
                    yield return new HealthCheck("runtime gvisor", HealthStatus.Warn, "runsc is not registered with the engine; policies with runtime: gvisor fail with GBX3008. ./build.sh setup registers it on a fresh machine.");
                }
            }
            finally
            {
                Directory.Delete(workspace, recursive: true);
            }
        }
    }

    private static async Task<bool> ImagePresentAsync(ISandboxEngine engine, string image, CancellationToken cancellationToken) =>
        await engine.InspectImageAsync(image, cancellationToken).ConfigureAwait(false) is not null;

    private static SandboxPolicy Probe => PolicyDefaults.BuiltIn["shell"] with { Timeout = TimeSpan.FromSeconds(60), Source = "doctor" };

    /// <summary>
    /// The engine can run a command: a hardened sandbox is created, started, exec'd into and
    /// removed (the set-up runs the same check before it calls an engine ready).
    /// </summary>
    private static async Task<HealthCheck> ProbeExecAsync(SandboxExecutor executor, string workspace, CancellationToken cancellationToken)
    {
        try
        {
            var result = await executor.RunAsync(Request(Probe, workspace, "exit 0"), cancellationToken).ConfigureAwait(false);
            return result.ExitCode == 0
                ? new HealthCheck("engine exec", HealthStatus.Pass, "a hardened sandbox was created, started, exec'd into and removed")
                : new HealthCheck("engine exec", HealthStatus.Fail, $"a command that exits 0 ended with {result.ExitCode} in a sandbox: {result.Stderr.Text.Trim()}");
        }
        catch (GadugiException ex)
        {
            return new HealthCheck("engine exec", HealthStatus.Fail, ex.Message);
        }
    }

    private static async Task<HealthCheck> ProbeMemoryAsync(SandboxExecutor executor, string workspace, CancellationToken cancellationToken)
    {
        // tail keeps a whole "line" in memory, and /dev/zero has no newline: 256 MB against a 32 MB limit.
        var result = await executor.RunAsync(Request(Probe with { MemoryBytes = 32L * 1024 * 1024 }, workspace, "head -c 256m /dev/zero | tail -n 1 | wc -c"), cancellationToken).ConfigureAwait(false);
        return result.KillReason == KillReason.Oom || result.Events.Any(e => e.Kind == "oom")
            ? new HealthCheck("limit memory", HealthStatus.Pass, $"a 256 MB allocation was OOM-killed at 32 MB (peak {result.Usage.PeakMemoryBytes / (1024 * 1024)} MB)")
            : new HealthCheck("limit memory", HealthStatus.Fail, $"a 256 MB allocation was NOT stopped at 32 MB (exit {result.ExitCode}): the engine does not enforce memory limits");
    }

    private static async Task<HealthCheck> ProbePidsAsync(SandboxExecutor executor, string workspace, bool pythonPresent, CancellationToken cancellationToken)
    {
        const int limit = 16;
        if (!pythonPresent)
        {
            return new HealthCheck("limit pids", HealthStatus.Warn, "cannot prove the pids limit without the python image: run 'gadugi-exec images build python'");
        }

        // Python reports EAGAIN at once, where bash would retry each failed fork for seconds.
        const string forkLoop = "import os,signal\nn=0\ntry:\n    for _ in range(100):\n        if os.fork()==0:\n            signal.pause()\n        n+=1\nexcept OSError:\n    pass\nprint(n, flush=True)\nos.killpg(0,9)";
        var policy = PolicyDefaults.BuiltIn["python"] with { PidsLimit = limit, Timeout = TimeSpan.FromSeconds(60), Source = "doctor" };
        var result = await executor.RunAsync(new ExecutionRequest { Command = ["python3", "-c", forkLoop], Policy = policy, WorkingDirectory = workspace, Caller = "doctor" }, cancellationToken).ConfigureAwait(false);
        var firstLine = result.Stdout.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        return int.TryParse(firstLine, System.Globalization.CultureInfo.InvariantCulture, out var forks) && forks < limit
            ? new HealthCheck("limit pids", HealthStatus.Pass, $"100 forks stopped after {forks} at the limit of {limit} processes")
            : new HealthCheck("limit pids", HealthStatus.Fail, $"100 forks were not stopped at {limit} processes (saw '{firstLine}')");
    }

    private static async Task<HealthCheck> ProbeNetworkAsync(SandboxExecutor executor, string workspace, CancellationToken cancellationToken)
    {
        var result = await executor.RunAsync(Request(Probe, workspace, "ls /sys/class/net"), cancellationToken).ConfigureAwait(false);
        var interfaces = result.Stdout.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return interfaces is ["lo"]
            ? new HealthCheck("limit network", HealthStatus.Pass, "network none leaves only the loopback interface")
            : new HealthCheck("limit network", HealthStatus.Fail, "network none still shows interfaces: " + string.Join(", ", interfaces));
    }

    /// <summary>The default seccomp profile is in force: io_uring_setup, which the engine's own default allows, is refused.</summary>
    private static async Task<HealthCheck> ProbeSeccompAsync(SandboxExecutor executor, string workspace, CancellationToken cancellationToken)
    {
        const string script = "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\nparams = ctypes.create_string_buffer(120)\nr = libc.syscall(425, 4, ctypes.addressof(params))\nprint(r, ctypes.get_errno())";
        var result = await executor.RunAsync(new ExecutionRequest { Command = ["python3", "-c", script], Policy = PolicyDefaults.BuiltIn["python"] with { Timeout = TimeSpan.FromSeconds(60), Source = "doctor" }, WorkingDirectory = workspace, Caller = "doctor" }, cancellationToken).ConfigureAwait(false);
        return result.Stdout.Text.Trim() == "-1 1"
            ? new HealthCheck("seccomp", HealthStatus.Pass, "the built-in profile is in force (io_uring_setup refused with EPERM)")
            : new HealthCheck("seccomp", HealthStatus.Fail, $"io_uring_setup was not refused by the profile (saw '{result.Stdout.Text.Trim()}', exit {result.ExitCode})");
    }

    private static async Task<HealthCheck> ProbeFirewallAsync(CancellationToken cancellationToken)
    {
        var unavailable = await IptablesFirewall.Instance.CheckAvailableAsync(cancellationToken).ConfigureAwait(false);
        return unavailable is null
            ? new HealthCheck("network allowlist", HealthStatus.Pass, "iptables and the DOCKER-USER chain are usable: network: { allow: [...] } policies are enforced")
            : new HealthCheck("network allowlist", HealthStatus.Warn, "allowlist policies will be refused: " + unavailable("<policy>", "<file>").Message);
    }

    /// <summary>
    /// gVisor is usable when a sandbox runs under it, its system calls are answered by gVisor's own
    /// kernel (not the engine host's), and its limits hold (processes, memory).
    /// </summary>
    private static async Task<IReadOnlyList<HealthCheck>> ProbeGvisorAsync(SandboxExecutor executor, string workspace, string? hostKernel, bool python, CancellationToken cancellationToken)
    {
        var checks = new List<HealthCheck>();
        try
        {
            var result = await executor.RunAsync(Request(Probe with { Runtime = SandboxRuntime.Gvisor }, workspace, "uname -r; dmesg 2>/dev/null | head -n 1"), cancellationToken).ConfigureAwait(false);
            var lines = result.Stdout.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var release = lines.FirstOrDefault() ?? string.Empty;
            if (result.ExitCode != 0 || lines.Length == 0)
            {
                checks.Add(new HealthCheck("runtime gvisor", HealthStatus.Warn, $"runsc is registered but a sandbox failed (exit {result.ExitCode}): {result.Stderr.Text.Trim()}"));
                return checks;
            }

            var ownKernel = release != hostKernel && lines.Skip(1).Any(line => line.Contains("gVisor", StringComparison.Ordinal));
            checks.Add(ownKernel
                ? new HealthCheck("runtime gvisor", HealthStatus.Pass, $"runsc runs sandboxes on gVisor's own kernel (release {release}; the host runs {hostKernel})")
                : new HealthCheck("runtime gvisor", HealthStatus.Fail, $"runsc ran a sandbox, but it did not report gVisor's kernel (release {release}, host {hostKernel}): runtime: gvisor would not isolate"));
            if (!python)
            {
                return checks;
            }

            const int limit = 16;
            const string forkLoop = "import os,signal\nn=0\ntry:\n    for _ in range(100):\n        if os.fork()==0:\n            signal.pause()\n        n+=1\nexcept OSError:\n    pass\nprint(n, flush=True)\nos.killpg(0,9)";
            var pids = await executor.RunAsync(new ExecutionRequest { Command = ["python3", "-c", forkLoop], Policy = PolicyDefaults.BuiltIn["python"] with { Runtime = SandboxRuntime.Gvisor, PidsLimit = limit, Timeout = TimeSpan.FromSeconds(60), Source = "doctor" }, WorkingDirectory = workspace, Caller = "doctor" }, cancellationToken).ConfigureAwait(false);
            var first = pids.Stdout.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            checks.Add(int.TryParse(first, System.Globalization.CultureInfo.InvariantCulture, out var forks) && forks < limit
                ? new HealthCheck("limit pids (gvisor)", HealthStatus.Pass, $"100 forks stopped after {forks} at the limit of {limit} processes")
                : new HealthCheck("limit pids (gvisor)", HealthStatus.Fail, $"100 forks were not stopped at {limit} processes under gVisor (saw '{first}')"));

            var memory = await executor.RunAsync(new ExecutionRequest { Command = ["python3", "-c", "b = []\nwhile True: b.append(bytearray(8 << 20))"], Policy = PolicyDefaults.BuiltIn["python"] with { Runtime = SandboxRuntime.Gvisor, MemoryBytes = 256L * 1024 * 1024, Timeout = TimeSpan.FromSeconds(60), Source = "doctor" }, WorkingDirectory = workspace, Caller = "doctor" }, cancellationToken).ConfigureAwait(false);
            checks.Add(memory.KillReason == KillReason.Oom
                ? new HealthCheck("limit memory (gvisor)", HealthStatus.Pass, "an unbounded allocation ended the sandbox at its 256 MB limit (OOM)")
                : new HealthCheck("limit memory (gvisor)", HealthStatus.Fail, $"an unbounded allocation was not stopped at 256 MB under gVisor (exit {memory.ExitCode}, {memory.KillReason})"));
        }
        catch (GadugiException ex)
        {
            checks.Add(new HealthCheck("runtime gvisor", HealthStatus.Warn, "runsc is registered but unusable: " + ex.Message));
        }

        return checks;
    }

    private static ExecutionRequest Request(SandboxPolicy policy, string workspace, string script) =>
        new() { Command = ["bash", "-c", script], Policy = policy, WorkingDirectory = workspace, Caller = "doctor" };
}
