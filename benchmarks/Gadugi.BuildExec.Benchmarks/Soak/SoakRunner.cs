using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gadugi.BuildExec.Core.Audit;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Benchmarks.Soak;

/// <summary>How one execution of the soak ended, as the soak saw it.</summary>
internal sealed record SoakResult(SoakCase Case, string Seen, DateTimeOffset Began, DateTimeOffset Ended, string? Detail = null);

/// <summary>
/// Runs the plan at a fixed concurrency: most executions through one long-lived executor, every
/// tenth through a gadugi-exec process, and the victim through a CLI that is SIGKILLed once its
/// sandbox runs. Reports progress so the engine restart can be injected at a chosen point.
/// </summary>
internal sealed partial class SoakRunner(SandboxExecutor executor, PolicySet policies, string policyFile, string workspace, string auditLog, string cli, IReadOnlyDictionary<string, string> cliEnvironment, Task engineSettled)
{
    private static readonly TimeSpan CancelAfter = TimeSpan.FromSeconds(1.5);

    private int _completed;

    public int Completed => Volatile.Read(ref _completed);

    public async Task<IReadOnlyList<SoakResult>> RunAsync(IReadOnlyList<SoakCase> plan, int concurrency)
    {
        using var slots = new SemaphoreSlim(concurrency);
        var runs = plan.Select(async soakCase =>
        {
            await slots.WaitAsync().ConfigureAwait(false);
            try
            {
                var began = DateTimeOffset.UtcNow;
                var (seen, detail) = soakCase.Kind == "killed" ? await RunVictimAsync(soakCase).ConfigureAwait(false)
                    : soakCase.ViaCli ? await RunCliAsync(soakCase).ConfigureAwait(false)
                    : await RunInProcessAsync(soakCase).ConfigureAwait(false);
                return new SoakResult(soakCase, seen, began, DateTimeOffset.UtcNow, detail);
            }
            finally
            {
                Interlocked.Increment(ref _completed);
                slots.Release();
            }
        });
        return await Task.WhenAll(runs).ConfigureAwait(false);
    }

    private async Task<(string Seen, string? Detail)> RunInProcessAsync(SoakCase soakCase)
    {
        using var cancel = new CancellationTokenSource();
        if (soakCase.Cancels)
        {
            cancel.CancelAfter(CancelAfter);
        }

        try
        {
            var result = await executor.RunAsync(
                new ExecutionRequest { Command = soakCase.Argv, Policy = policies.Resolve(soakCase.Policy), WorkingDirectory = workspace, Caller = "soak" },
                cancel.Token).ConfigureAwait(false);
            return (Seen(soakCase, result.ExitCode, result.KillReason, result.Stdout.Text), result.Stderr.Text.Trim());
        }
        catch (GadugiException ex)
        {
            return ("error " + ex.Code, ex.Message);
        }
        catch (Exception ex)
        {
            return ($"crash {ex.GetType().Name}", ex.ToString());
        }
    }

    private async Task<(string Seen, string? Detail)> RunCliAsync(SoakCase soakCase)
    {
        using var process = StartCli(soakCase);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().ConfigureAwait(false);
        var (output, errors) = (await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
        if (CodedError().Match(errors) is { Success: true } coded)
        {
            return ("error " + coded.Groups[1].Value, errors.Trim());
        }

        try
        {
            using var json = JsonDocument.Parse(output);
            var root = json.RootElement;
            var killReason = root.GetProperty("kill_reason").ValueKind == JsonValueKind.String
                ? Enum.Parse<KillReason>(root.GetProperty("kill_reason").GetString()!.Replace("_", string.Empty, StringComparison.Ordinal), ignoreCase: true)
                : (KillReason?)null;
            return (Seen(soakCase, root.GetProperty("exit_code").GetInt32(), killReason, root.GetProperty("stdout").GetProperty("text").GetString() ?? string.Empty), errors.Trim());
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or ArgumentException)
        {
            return ($"crash cli exit {process.ExitCode}", errors.Trim() + output);
        }
    }

    /// <summary>The SIGKILL fault: a CLI runs a ten-minute command and is killed once its sandbox runs.</summary>
    private async Task<(string Seen, string? Detail)> RunVictimAsync(SoakCase soakCase)
    {
        // One fault at a time: the CLI is killed only after the engine restart is over.
        await engineSettled.ConfigureAwait(false);
        using var process = StartCli(soakCase);
        var watch = Stopwatch.StartNew();
        while (!await SandboxRunsAsync(soakCase).ConfigureAwait(false))
        {
            if (process.HasExited || watch.Elapsed > TimeSpan.FromMinutes(3))
            {
                var errors = await process.StandardError.ReadToEndAsync().ConfigureAwait(false);
                return ($"crash victim never ran (exit {(process.HasExited ? process.ExitCode : -1)})", errors);
            }

            await Task.Delay(200).ConfigureAwait(false);
        }

        // The started record precedes the sandbox's start by a moment; let the command begin.
        await Task.Delay(1000).ConfigureAwait(false);
        process.Kill();
        await process.WaitForExitAsync().ConfigureAwait(false);
        Console.WriteLine($"  fault: SIGKILL of gadugi-exec pid {process.Id} while its sandbox ran ({soakCase.Marker})");

        // How it ended is for the audit log to tell, once a later run's sweep has seen the dead owner.
        return ("killed", null);
    }

    private async Task<bool> SandboxRunsAsync(SoakCase soakCase)
    {
        if (!File.Exists(auditLog))
        {
            return false;
        }

        try
        {
            var runs = await Task.Run(() => AuditRuns.Read(auditLog, 1024 * 1024)).ConfigureAwait(false);
            return runs.Open.Any(run => run.Started.GetProperty("argv").EnumerateArray().LastOrDefault().GetString() == soakCase.Marker);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private Process StartCli(SoakCase soakCase)
    {
        var startInfo = new ProcessStartInfo(cli) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false, WorkingDirectory = workspace };
        foreach (var argument in new[] { "run", "--policy-file", policyFile, "--policy", soakCase.Policy, "--json", "--" }.Concat(soakCase.Argv))
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in cliEnvironment)
        {
            startInfo.Environment[name] = value;
        }

        var process = Process.Start(startInfo)!;
        process.StandardInput.Close();
        return process;
    }

    private static string Seen(SoakCase soakCase, int exitCode, KillReason? killReason, string stdout) => killReason switch
    {
        KillReason.Timeout => Outcome.Timeout,
        KillReason.Oom => Outcome.Oom,
        KillReason.OutputLimit => Outcome.OutputLimit,
        KillReason.Cancelled => Outcome.Cancelled,
        _ when exitCode == 0 && soakCase.ExpectedStdout is { } expected && stdout != expected => $"exit 0, wrong output '{stdout.Trim()}'",
        _ => $"exit {exitCode}",
    };

    [GeneratedRegex(@"error (GBX\d{4}):")]
    private static partial Regex CodedError();
}
