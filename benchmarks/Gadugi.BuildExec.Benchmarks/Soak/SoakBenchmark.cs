using System.Diagnostics;
using System.Globalization;
using Gadugi.BuildExec.Core.Audit;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Benchmarks.Soak;

/// <summary>
/// './build.sh bench soak [N] [--restart-command CMD]': N executions at concurrency 20 mixing policies
/// and outcomes, with two faults injected mid-run (the engine stopped and started again; one CLI
/// SIGKILLed), then the count of what was expected and seen, the audit log's account, and what was
/// left behind. Its last line: "soak: N runs, N unexpected, N unrecorded, N left behind" (goal 0, 0, 0).
/// </summary>
/// <remarks>
/// By default the soak starts a private dockerd of its own and restarts that one, so the machine's
/// engine is never touched; with --restart-command it uses the engine DOCKER_HOST names and runs the
/// command (e.g. 'systemctl restart docker') as the restart fault. A run that overlapped the restart
/// and ended with a coded engine error (GBX1001, GBX1002, GBX1006) and an audit record is the
/// fault surfacing as it must; so is the victim's 'abandoned' record.
/// </remarks>
internal static class SoakBenchmark
{
    private const int Concurrency = 20;

    private static readonly string[] EngineFaultCodes = ["error GBX1001", "error GBX1002", "error GBX1006"];

    /// <summary>After the engine answers again, runs still in flight may yet fail from the restart.</summary>
    private static readonly TimeSpan FaultTail = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(string[] args)
    {
        var runs = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var n) ? n : 1000;
        var restartIndex = Array.IndexOf(args, "--restart-command");
        var restartCommand = restartIndex >= 0 && restartIndex + 1 < args.Length ? args[restartIndex + 1] : null;
        var cli = Baselines.FindCli() ?? throw new InvalidOperationException("gadugi-exec was not found: run through './build.sh bench soak', or set GADUGI_EXEC");

        // Short: the private engine's sockets live under it.
        var root = Directory.CreateDirectory(Path.Combine("/var/tmp", "gadugi-soak-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3)))).FullName;
        var workspace = Directory.CreateDirectory(Path.Combine(root, "w")).FullName;
        var temp = Directory.CreateDirectory(Path.Combine(root, "t")).FullName;
        foreach (var folder in new[] { root, workspace })
        {
            File.SetUnixFileMode(folder, (UnixFileMode)0x1ED);
        }

        // Everything the executions make in temporary folders lands here, where it can be counted.
        Environment.SetEnvironmentVariable("TMPDIR", temp);
        var audit = Path.Combine(root, "audit.jsonl");
        var policyFile = Path.Combine(root, "policies.yaml");

        Console.WriteLine($"Gadugi.BuildExec soak: {runs} executions at concurrency {Concurrency}, {Environment.ProcessorCount} CPUs");
        var engine = restartCommand is null
            ? await SoakEngine.StartPrivateAsync(Path.Combine(root, "e"), "10.212.0.0/16", "gadugi/shell:5.2", "gadugi/python:3.11")
            : SoakEngine.External(restartCommand);
        int exitCode;
        bool keep;
        try
        {
            (exitCode, keep) = await SoakAsync(engine, runs, cli, workspace, temp, audit, policyFile);
        }
        finally
        {
            await engine.DisposeAsync();
        }

        if (keep)
        {
            Console.WriteLine($"  (the soak's folder is kept for inspection: {root})");
        }
        else
        {
            Directory.Delete(root, recursive: true);
        }

        return exitCode;
    }

    private static async Task<(int ExitCode, bool Keep)> SoakAsync(SoakEngine engine, int runs, string cli, string workspace, string temp, string audit, string policyFile)
    {
        Console.WriteLine($"  engine: {engine.Description}");
        await using var pong = new PongServer();
        await File.WriteAllTextAsync(policyFile, SoakPlan.PolicyFile(pong.Destination));
        var policies = PolicyFileLoader.LoadFile(policyFile);
        var plan = SoakPlan.Build(runs, pong.Address.ToString(), pong.Port).ToArray();
        var victimAt = runs * 2 / 3;
        plan[victimAt] = SoakPlan.Victim(victimAt);
        var cliEnvironment = new Dictionary<string, string>
        {
            ["DOCKER_HOST"] = engine.Endpoint.ToString(),
            ["GADUGI_AUDIT_LOG"] = audit,
            ["TMPDIR"] = temp,
            ["GADUGI_MAX_CONCURRENCY"] = Concurrency.ToString(CultureInfo.InvariantCulture),

            // The .NET runtime's diagnostics socket of a SIGKILLed CLI would stay in TMPDIR; it is not the executor's.
            ["DOTNET_EnableDiagnostics"] = "0",
        };

        var wall = Stopwatch.StartNew();
        IReadOnlyList<SoakResult> results;
        (DateTimeOffset Start, DateTimeOffset End, int ExitCode, string Output)? restart;
        var settled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (var executor = new SandboxExecutor(new ExecutorOptions { Endpoint = engine.Endpoint, MaxConcurrency = Concurrency, AuditLogPath = audit }))
        {
            var runner = new SoakRunner(executor, policies, policyFile, workspace, audit, cli, cliEnvironment, settled.Task);
            var running = runner.RunAsync(plan, Concurrency);
            restart = await RestartMidRunAsync(engine, runner, runs, running);
            settled.TrySetResult();
            results = await running;
        }

        var elapsed = wall.Elapsed;

        // A later run's sweep is what records the SIGKILLed run: the next executor's first run.
        await using (var sweeper = new SandboxExecutor(new ExecutorOptions { Endpoint = engine.Endpoint, AuditLogPath = audit }))
        {
            await sweeper.RunAsync(new ExecutionRequest { Command = ["true", "soak-sweep"], Policy = policies.Resolve("shell"), WorkingDirectory = workspace, Caller = "soak" });
        }

        var report = SoakAudit.Read(audit);
        var ids = report.Runs.All.Select(run => run.Id).ToHashSet(StringComparer.Ordinal);
        var leftovers = await SoakLeftovers.FindAsync(engine.Endpoint, audit, ids, temp);
        return Print(runs, results, restart, report, leftovers, elapsed);
    }

    /// <summary>Once a third of the executions are done, the engine is stopped and started again while the rest run.</summary>
    private static async Task<(DateTimeOffset, DateTimeOffset, int, string)?> RestartMidRunAsync(SoakEngine engine, SoakRunner runner, int runs, Task running)
    {
        while (runner.Completed < runs / 3)
        {
            if (running.IsCompleted)
            {
                return null;
            }

            await Task.Delay(100);
        }

        var start = DateTimeOffset.UtcNow;
        Console.WriteLine($"  fault: engine restart after {runner.Completed} executions");
        var (exitCode, output) = await engine.RestartAsync();
        var end = DateTimeOffset.UtcNow;
        Console.WriteLine($"  fault: engine answering and able to run again after {(end - start).TotalSeconds:0.0} s (exit {exitCode})");
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Console.WriteLine("    " + line);
        }

        return (start, end, exitCode, output);
    }

    private static (int ExitCode, bool Keep) Print(int runs, IReadOnlyList<SoakResult> results, (DateTimeOffset Start, DateTimeOffset End, int ExitCode, string Output)? restart, SoakAudit audit, SoakLeftovers leftovers, TimeSpan elapsed)
    {
        var judged = results.Select(result => Judge(result, restart, audit)).ToArray();

        Console.WriteLine();
        Console.WriteLine($"{"outcome",-34} {"expected",9} {"seen",9}");
        var labels = judged.Select(j => j.Expected).Concat(judged.Select(j => j.Seen)).Distinct().Order(StringComparer.Ordinal);
        foreach (var label in labels)
        {
            Console.WriteLine($"{label,-34} {judged.Count(j => j.Expected == label),9} {judged.Count(j => j.Seen == label),9}");
        }

        var unexpected = judged.Where(j => j.Unexpected).ToArray();
        var unrecorded = judged.Where(j => j.Unrecorded).ToArray();
        var faultCoded = judged.Count(j => j.FaultCoded);
        Console.WriteLine();
        Console.WriteLine($"throughput: {runs} executions in {elapsed.TotalSeconds:0.0} s = {runs / elapsed.TotalSeconds:0.00} runs/s");
        Console.WriteLine(restart is { } r
            ? $"engine restart: {(r.End - r.Start).TotalSeconds:0.0} s (exit {r.ExitCode}); {faultCoded} in-flight execution(s) ended with a coded engine error (GBX1001/GBX1002/GBX1006) and an audit record"
            : "engine restart: not reached");
        Console.WriteLine($"unexpected failures: {unexpected.Length}");
        foreach (var j in unexpected.Take(20))
        {
            Console.WriteLine($"  {j.Result.Case.Marker} {j.Result.Case.Kind}/{j.Result.Case.Policy}{(j.Result.Case.ViaCli ? " (cli)" : string.Empty)}: expected {j.Expected}, saw {j.Seen}: {Shorten(j.Result.Detail)}");
        }

        var endings = string.Join(", ", audit.ByStatus.Where(pair => pair.Key != AuditStatus.Started).OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => $"{pair.Value} {pair.Key}"));
        Console.WriteLine($"audit: {audit.Records} records written for {runs} executions (+1 sweeping run): {audit.Started} started, endings: {endings}; open runs: {audit.Runs.Open.Count}; unrecorded executions: {unrecorded.Length}");
        foreach (var j in unrecorded.Take(20))
        {
            Console.WriteLine($"  {j.Result.Case.Marker} {j.Result.Case.Kind}: {(audit.IsOpen(j.Result.Case) ? "started, never ended" : "no ending record")} (saw {j.Seen})");
        }

        Console.WriteLine($"audit chain: {audit.Verdict}");
        Console.WriteLine($"left behind: {leftovers.Containers.Count} containers, {leftovers.Networks.Count} networks, {leftovers.FirewallChains.Count} firewall chains, {leftovers.TempFiles.Count} temporary files");
        foreach (var item in leftovers.Containers.Concat(leftovers.Networks).Concat(leftovers.FirewallChains).Concat(leftovers.TempFiles).Take(20))
        {
            Console.WriteLine("  " + item);
        }

        var brokenChain = audit.Verdict.IsIntact ? 0 : 1;
        Console.WriteLine($"soak: {runs} runs, {unexpected.Length} unexpected, {unrecorded.Length + brokenChain} unrecorded, {leftovers.Count} left behind");
        return unexpected.Length + unrecorded.Length + brokenChain + leftovers.Count == 0 ? (0, false) : (1, true);
    }

    private sealed record Judgement(SoakResult Result, string Expected, string Seen, bool Unexpected, bool Unrecorded, bool FaultCoded);

    private static Judgement Judge(SoakResult result, (DateTimeOffset Start, DateTimeOffset End, int, string)? restart, SoakAudit audit)
    {
        var soakCase = result.Case;
        var ending = audit.Ending(soakCase);
        var seen = soakCase.Kind == "killed" && ending == AuditStatus.Abandoned ? Outcome.Abandoned : result.Seen;
        var overlapsRestart = restart is { } r && result.Began <= r.End + FaultTail && result.Ended >= r.Start;
        var faultCoded = overlapsRestart && EngineFaultCodes.Contains(seen) && ending == AuditStatus.Failed;
        var unexpected = seen != soakCase.Expected && !faultCoded;
        return new Judgement(result, soakCase.Expected, faultCoded ? "engine fault (coded, audited)" : seen, unexpected, ending is null || audit.IsOpen(soakCase), faultCoded);
    }

    private static string Shorten(string? text)
    {
        var line = (text ?? string.Empty).ReplaceLineEndings(" ");
        return line.Length <= 300 ? line : line[..300] + "…";
    }
}
