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

var iterations = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 30;
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
try
{
// Warm the engine connection and the page cache; a failure here would fail every figure.
if (Measure.Failure(await executor.RunAsync(Request(trivial))) is { } warmUp)
{
    throw new MeasuredRunFailedException("the warm-up execution failed: " + warmUp);
}

var table = new ResultTable();
table.Add("direct: python3 -c pass (host)", await Measure.RepeatAsync("direct", iterations, () => Baselines.RunProcessAsync(hostPython, ["-c", "pass"], workspace)));
table.Add("docker run --rm (same flags, CLI)", await Measure.RepeatAsync("docker run", iterations, () => Baselines.DockerRunAsync(dockerFlags, policy, workspace, trivial)));
table.Add("docker exec into a running sandbox", await Baselines.DockerExecAsync(dockerFlags, policy, workspace, trivial, iterations));
table.Add("executor.RunAsync (warm process)", await Measure.RepeatAsync("executor", iterations, () => executor.RunAsync(Request(trivial))));
var cli = Baselines.FindCli();
if (cli is not null)
{
    table.Add("gadugi-exec run (new process each)", await Measure.RepeatAsync("gadugi-exec run", Math.Min(iterations, 15), () => Baselines.RunProcessAsync(cli, ["run", "--policy", "python", "--", .. trivial], workspace)));
}

table.Print("Start-up: a trivial Python execution");

// Real work: a CPU-bound script of a few seconds, where sandbox overhead must stay under 10%.
var work = new[] { "python3", "-c", "import hashlib\nh = b'x'\nfor _ in range(3_000_000): h = hashlib.sha256(h).digest()\nprint(h.hex()[:8])" };
var realWork = new ResultTable();
var direct = await Measure.RepeatAsync("real work, direct", 5, () => Baselines.RunProcessAsync(hostPython, work[1..], workspace));
var sandboxed = await Measure.RepeatAsync("real work, executor", 5, () => executor.RunAsync(Request(work)));
realWork.Add("direct (host)", direct);
realWork.Add("executor.RunAsync", sandboxed);
realWork.Print("Real work: 3M SHA-256 rounds in Python");
Console.WriteLine($"  overhead of the sandbox on real work (p50): {(sandboxed.P50 / direct.P50 - 1) * 100:+0.0;-0.0}%");
Console.WriteLine();

// Concurrency: 20 executions submitted at once against the default limit of 10.
var concurrent = Stopwatch.StartNew();
var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => executor.RunAsync(Request(["python3", "-c", "import time; time.sleep(1)"]))));
concurrent.Stop();
var succeeded = results.Count(r => r.Succeeded);
if (results.Select(Measure.Failure).FirstOrDefault(f => f is not null) is { } concurrencyFailure)
{
    throw new MeasuredRunFailedException($"{20 - succeeded} of 20 concurrent executions failed, e.g. {concurrencyFailure}");
}

Console.WriteLine($"Concurrency: 20 one-second executions, 10 at a time: {succeeded}/20 succeeded in {concurrent.Elapsed.TotalSeconds:0.00} s (ideal 2.0 s); max queue wait {results.Max(r => r.QueueTime).TotalSeconds:0.00} s");
return 0;
}
catch (MeasuredRunFailedException ex)
{
    Console.Error.WriteLine($"benchmark FAILED: {ex.Message}");
    return 1;
}
finally
{
    Directory.Delete(workspace, recursive: true);
    Directory.Delete(scratch, recursive: true);
}

ExecutionRequest Request(string[] command) => new() { Command = command, Policy = policy, WorkingDirectory = workspace, Caller = "benchmark" };
