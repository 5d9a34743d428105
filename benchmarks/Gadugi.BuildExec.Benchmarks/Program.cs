using System.Diagnostics;
using System.Globalization;
using Gadugi.BuildExec.Benchmarks;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Policies;

// Prints, in one run, the executor beside the same work done by `docker run` with the same flags
// and beside direct execution on the host. Figures, not assertions: see README "Performance".
// 'msbuild [iterations]': the MSBuild integration (ContainerizedTest/ContainerizedBuild) beside host runs.
// 'soak [N]': the reliability soak with faults (Soak/SoakBenchmark.cs).
if (args.Length > 0 && args[0] == "msbuild")
{
    return await MSBuildBenchmark.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5);
}

// 'workflow [N]': a workflow's parallelism, CPU-bound phases vs cores, orchestration per phase, hook latency (N hook runs).
if (args.Length > 0 && args[0] == "workflow")
{
    return await WorkflowBenchmark.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10);
}

// 'soak [N] [--restart-command CMD]': N executions with faults injected (see SoakBenchmark).
if (args.Length > 0 && args[0] == "soak")
{
    return await Gadugi.BuildExec.Benchmarks.Soak.SoakBenchmark.RunAsync(args[1..]);
}

var iterations = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
var workspace = Directory.CreateTempSubdirectory("gadugi-bench-").FullName;
File.SetUnixFileMode(workspace, (UnixFileMode)0x1ED);
var policy = PolicyDefaults.BuiltIn["python"];
var trivial = new[] { "python3", "-c", "pass" };
var hostPython = Baselines.FindOnPath("python3");
var scratch = Directory.CreateTempSubdirectory("gadugi-bench-profile-").FullName;
var dockerFlags = await DockerFlags.ForPolicyAsync(policy, workspace, Path.Combine(scratch, "seccomp.json"));

Console.WriteLine($"Gadugi.BuildExec benchmark: {iterations} iterations each, policy '{policy.Name}' ({policy.Image}), {Environment.ProcessorCount} CPUs");
Console.WriteLine();

await using var executor = new SandboxExecutor(new ExecutorOptions { AuditLogPath = Path.Combine(workspace, "audit.jsonl") });

// In-process and warm, as the service runs: a pool, and sandboxes removed after the answer.
var pool = Gadugi.BuildExec.Core.Execution.Pool.SandboxPool.FromEnvironment();
var pooledExecutor = new SandboxExecutor(new ExecutorOptions { AuditLogPath = Path.Combine(workspace, "audit.jsonl"), Pool = pool, RemoveAfterAnswer = true });
try
{
// Warm the engine connection and the page cache; a failure here would fail every figure.
if (Measure.Failure(await executor.RunAsync(Request(trivial))) is { } warmUp)
{
    throw new MeasuredRunFailedException("the warm-up execution failed: " + warmUp);
}

var cli = Baselines.FindCli() ?? throw new MeasuredRunFailedException("gadugi-exec was not found: set GADUGI_EXEC (./build.sh bench does)");
string[] cliRun = ["run", "--policy", "python", "--", .. trivial];
string[] directRun = ["run", "--no-pool", "--policy", "python", "--", .. trivial];
var table = new IssueTable();

// The CLI's background service, in a directory of this benchmark's own (stopped at the end); its first
// call starts it, and that start-up is not what a warm run is.
var serviceDirectory = Path.Combine(scratch, "service");
Environment.SetEnvironmentVariable("GADUGI_SERVICE_DIR", serviceDirectory);
Environment.SetEnvironmentVariable("GADUGI_POOL", null);
if ((await Baselines.RunProcessAsync(cli, cliRun, workspace)) is { ExitCode: not 0 } serviceWarmUp)
{
    throw new MeasuredRunFailedException("the service's warm-up run failed: " + serviceWarmUp.Stderr.Trim());
}

// Start-up, one at a time: every CLI figure is a new process, as a hook or a workflow step calls it.
var dockerRunCpu = ChildCpu.Total();
var dockerRun = await Measure.RepeatAsync("docker run", iterations, () => Baselines.DockerRunAsync(dockerFlags, policy, workspace, trivial));
dockerRunCpu = (ChildCpu.Total() - dockerRunCpu) / iterations;
var cliCpu = ChildCpu.Total();
var cold = await Measure.RepeatAsync("gadugi-exec run --no-pool", iterations, () => Baselines.RunProcessAsync(cli, directRun, workspace));
cliCpu = (ChildCpu.Total() - cliCpu) / iterations;
// The service without a pool (GADUGI_POOL_SIZE=0 is a service of its own: the variable is part of its identity).
Environment.SetEnvironmentVariable(Gadugi.BuildExec.Core.Execution.Pool.SandboxPool.SizeVariable, "0");
await Baselines.RunProcessAsync(cli, cliRun, workspace);
var serviceCpu = ChildCpu.Total();
var served = await Measure.RepeatAsync("gadugi-exec run (service, no pool)", iterations, () => Baselines.RunProcessAsync(cli, cliRun, workspace));
serviceCpu = (ChildCpu.Total() - serviceCpu) / iterations;
var servedPhases = await Baselines.PhasesAsync(cli, cliRun, workspace, 5);

// With the Native AOT front end (artifacts/gadugi-exec/gadugi-exec), the managed CLI beside it as its
// own thin client too: the client's cost before and after, measured side by side.
var managedCli = Path.Combine(Path.GetDirectoryName(cli)!, "gadugi-exec-managed");
var managedClient = File.Exists(managedCli) && new FileInfo(managedCli).Length != new FileInfo(cli).Length;
var managedCpu = TimeSpan.Zero;
Samples? managedServed = null;
if (managedClient)
{
    managedCpu = ChildCpu.Total();
    managedServed = await Measure.RepeatAsync("gadugi-exec-managed run (service, no pool)", iterations, () => Baselines.RunProcessAsync(managedCli, cliRun, workspace));
    managedCpu = (ChildCpu.Total() - managedCpu) / iterations;
}

Environment.SetEnvironmentVariable(Gadugi.BuildExec.Core.Execution.Pool.SandboxPool.SizeVariable, null);

// The service with its pool (the default): each run takes the sandbox prepared while the one before ran.
var pooled = await Measure.RepeatAsync("gadugi-exec run (service, pooled)", iterations, () => Baselines.RunProcessAsync(cli, cliRun, workspace));
var pooledPhases = await Baselines.PhasesAsync(cli, cliRun, workspace, 5);
var version = await Measure.RepeatAsync("gadugi-exec --version", iterations, () => Baselines.RunProcessAsync(cli, ["--version"], workspace));
var managedPooled = managedClient ? await Measure.RepeatAsync("gadugi-exec-managed run (service, pooled)", iterations, () => Baselines.RunProcessAsync(managedCli, cliRun, workspace)) : null;
var warmProcess = await Measure.RepeatAsync("executor", iterations, () => executor.RunAsync(Request(trivial)));
await pooledExecutor.RunAsync(Request(trivial));
var warmPooled = await Measure.RepeatAsync("executor, pooled", iterations, () => pooledExecutor.RunAsync(Request(trivial)));
var dockerExec = await Baselines.DockerExecAsync(dockerFlags, policy, workspace, trivial, iterations);

table.Baseline("`docker run --rm` with the same hardening flags", dockerRun.P50);
table.Ratio("`gadugi-exec run --no-pool` (direct, new process each)", cold.P50, dockerRun.P50, 1.0, "docker run");
table.Ratio("`gadugi-exec run` via the service (warm code, cold sandbox: GADUGI_POOL_SIZE=0, new CLI process each)", served.P50, dockerRun.P50, 1.0, "docker run");
table.Ratio("`gadugi-exec run` via the service, pooled (a sandbox prepared ahead)", pooled.P50, dockerRun.P50, 1.0, "docker run");
table.Info("`gadugi-exec --version` (process start-up alone)", $"{version.P50 * 1000:0} ms");
table.Info(
    "client CPU per run: docker CLI / gadugi-exec --no-pool",
    string.Create(CultureInfo.InvariantCulture, $"{dockerRunCpu.TotalMilliseconds:0} ms / {cliCpu.TotalMilliseconds:0} ms"),
    string.Create(CultureInfo.InvariantCulture, $"{cliCpu / dockerRunCpu:0.0}×"),
    IssueTable.Goal("gadugi-exec ≤ 60 ms", cliCpu.TotalMilliseconds <= 60));
table.Info(
    "client CPU per run: gadugi-exec via the service (thin client)",
    string.Create(CultureInfo.InvariantCulture, $"{serviceCpu.TotalMilliseconds:0} ms"),
    string.Create(CultureInfo.InvariantCulture, $"{serviceCpu / dockerRunCpu:0.0}× docker CLI"),
    IssueTable.Goal("≤ 60 ms", serviceCpu.TotalMilliseconds <= 60));
if (managedServed is not null)
{
    table.Info(
        "client CPU per run via the service: the managed CLI as thin client (gadugi-exec-managed, before the native front end)",
        string.Create(CultureInfo.InvariantCulture, $"{managedCpu.TotalMilliseconds:0} ms"),
        string.Create(CultureInfo.InvariantCulture, $"{managedCpu / dockerRunCpu:0.0}× docker CLI"),
        IssueTable.Goal("≤ 60 ms", managedCpu.TotalMilliseconds <= 60));
}

table.Baseline("`docker exec` into a running container", dockerExec.P50, "the floor for a warm run");
table.Ratio("executor `RunAsync` in a warm process (cold sandbox)", warmProcess.P50, dockerExec.P50, 1.2, "docker exec");
table.Ratio("executor `RunAsync` in a warm process, pooled, removed after the answer", warmPooled.P50, dockerExec.P50, 1.2, "docker exec");
table.Ratio("`gadugi-exec run` via the service, cold sandbox (GADUGI_POOL_SIZE=0)", served.P50, dockerExec.P50, 1.3, "docker exec");
table.Ratio("`gadugi-exec run` via the service, pooled (warm single-use sandbox)", pooled.P50, dockerExec.P50, 1.3, "docker exec");
if (managedServed is not null && managedPooled is not null)
{
    table.Ratio("the same through the managed CLI as thin client (gadugi-exec-managed), cold sandbox", managedServed.P50, dockerExec.P50, 1.3, "docker exec");
    table.Ratio("the same through the managed CLI as thin client (gadugi-exec-managed), pooled", managedPooled.P50, dockerExec.P50, 1.3, "docker exec");
}

// Throughput: 200 trivial runs, 10 at a time.
var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200;
const int concurrency = 10;
var dockerRate = await Measure.ThroughputAsync("docker run, concurrent", runs, concurrency, () => Baselines.DockerRunAsync(dockerFlags, policy, workspace, trivial));
var cliRate = await Measure.ThroughputAsync("gadugi-exec run --no-pool, concurrent", runs, concurrency, () => Baselines.RunProcessAsync(cli, directRun, workspace));
var serviceRate = await Measure.ThroughputAsync("gadugi-exec run (service), concurrent", runs, concurrency, () => Baselines.RunProcessAsync(cli, cliRun, workspace));
var inProcessRate = await Measure.ThroughputAsync("executor, concurrent", runs, concurrency, () => executor.RunAsync(Request(trivial)));
table.Info($"throughput, {runs} runs at concurrency {concurrency}: docker CLI", string.Create(CultureInfo.InvariantCulture, $"{dockerRate:0.0} runs/s"), "1.00× (baseline)");
table.Throughput("throughput: `gadugi-exec run --no-pool` processes", cliRate, dockerRate, "docker CLI");
table.Throughput("throughput: `gadugi-exec run` processes via the service", serviceRate, dockerRate, "docker CLI");
table.Throughput("throughput: in-process `RunAsync`", inProcessRate, dockerRate, "docker CLI");

// Real work: a CPU-bound job of about 10 s on the host, where the sandbox must cost at most 2%. The
// services stop first: they remove the throughput runs' sandboxes after answering and keep their pools
// prepared, work that would otherwise land inside this measurement (the phases below start a new one).
Baselines.StopServices(serviceDirectory);
var rounds = await Baselines.CalibrateRoundsAsync(hostPython, workspace, TimeSpan.FromSeconds(10));
var work = new[] { "python3", "-c", $"import hashlib\nh = b'x'\nfor _ in range({rounds}): h = hashlib.sha256(h).digest()\nprint(h.hex()[:8])" };
var direct = await Measure.RepeatAsync("real work, direct", 3, () => Baselines.RunProcessAsync(hostPython, work[1..], workspace));
var sandboxed = await Measure.RepeatAsync("real work, executor", 3, () => executor.RunAsync(Request(work)));
var overhead = (sandboxed.P50 / direct.P50) - 1;
table.Baseline($"a {direct.P50:0.0} s CPU-bound job, direct on the host", direct.P50);
table.Info("the same job through `RunAsync`", $"{sandboxed.P50 * 1000:0} ms", string.Create(CultureInfo.InvariantCulture, $"{overhead * 100:+0.0;-0.0}%"), IssueTable.Goal("≤ +2%", overhead <= 0.02));

Console.WriteLine($"Trivial `python3 -c pass` under policy python; p50 of {iterations} sequential runs each; load average at the end: {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
Console.WriteLine();
table.Print();
var phases = await Baselines.PhasesAsync(cli, directRun, workspace, 5);
Console.WriteLine("Where a direct `gadugi-exec run --no-pool` spends its time (p50 per phase, from --json): " + phases);
Console.WriteLine("Where `gadugi-exec run` via the service, cold sandbox, spends its time (p50 per phase, from --json): " + servedPhases);
Console.WriteLine("Where `gadugi-exec run` via the service, pooled, spends its time (p50 per phase, from --json): " + pooledPhases);
return 0;
}
catch (MeasuredRunFailedException ex)
{
    Console.Error.WriteLine($"benchmark FAILED: {ex.Message}");
    return 1;
}
finally
{
    // The pool first, while the executor's engine connection still stands.
    await pool.DisposeAsync();
    await pooledExecutor.DisposeAsync();
    Baselines.StopServices(Path.Combine(scratch, "service"));
    Directory.Delete(workspace, recursive: true);
    Directory.Delete(scratch, recursive: true);
}

ExecutionRequest Request(string[] command) => new() { Command = command, Policy = policy, WorkingDirectory = workspace, Caller = "benchmark" };
