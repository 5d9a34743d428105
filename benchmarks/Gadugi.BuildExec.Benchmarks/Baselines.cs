using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Benchmarks;

/// <summary>How a child process ended.</summary>
internal sealed record ProcessOutcome(int ExitCode, string Stdout, string Stderr);

/// <summary>The comparison points: the host itself and the docker CLI given the executor's own hardening flags.</summary>
internal static class Baselines
{
    public static string FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':')
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists) ?? program;

    public static string? FindCli()
    {
        var published = Environment.GetEnvironmentVariable("GADUGI_EXEC");
        if (!string.IsNullOrEmpty(published) && File.Exists(published))
        {
            return published;
        }

        var candidate = Path.Combine(AppContext.BaseDirectory, "..", "..", "Gadugi.BuildExec.Cli", "release", "gadugi-exec");
        return File.Exists(candidate) ? Path.GetFullPath(candidate) : null;
    }

    public static Task<ProcessOutcome> DockerRunAsync(IReadOnlyList<string> flags, SandboxPolicy policy, string workspace, string[] command) =>
        RunProcessAsync("docker", ["run", "--rm", .. flags, policy.Image, .. command], workspace);

    public static async Task<Samples> DockerExecAsync(IReadOnlyList<string> flags, SandboxPolicy policy, string workspace, string[] command, int iterations)
    {
        var started = await RunProcessAsync("docker", ["run", "-d", "--rm", .. flags, "--entrypoint", "sleep", policy.Image, "600"], workspace);
        if (started.ExitCode != 0)
        {
            throw new MeasuredRunFailedException($"docker run -d for the exec baseline failed (exit {started.ExitCode}): {started.Stderr.Trim()}");
        }

        var id = started.Stdout.Trim();
        try
        {
            return await Measure.RepeatAsync("docker exec", iterations, () => RunProcessAsync("docker", ["exec", id, .. command], workspace));
        }
        finally
        {
            await RunProcessAsync("docker", ["rm", "-f", id], workspace);
        }
    }

    /// <summary>SHA-256 rounds that take about <paramref name="target"/> in the host's python3 (timed on a tenth of the work).</summary>
    public static async Task<long> CalibrateRoundsAsync(string python, string workspace, TimeSpan target)
    {
        const long probe = 300_000;
        var watch = Stopwatch.StartNew();
        var outcome = await RunProcessAsync(python, ["-c", $"import hashlib\nh = b'x'\nfor _ in range({probe}): h = hashlib.sha256(h).digest()"], workspace);
        if (outcome.ExitCode != 0)
        {
            throw new MeasuredRunFailedException("calibrating the CPU-bound job failed: " + outcome.Stderr.Trim());
        }

        return Math.Max(probe, (long)(probe * target.TotalSeconds / watch.Elapsed.TotalSeconds));
    }

    /// <summary>p50 of each phase of a cold CLI run, read from its --json result.</summary>
    public static async Task<string> PhasesAsync(string cli, string[] run, string workspace, int iterations)
    {
        var phases = new Dictionary<string, List<double>>();
        var paths = new SortedDictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < iterations; i++)
        {
            var outcome = await RunProcessAsync(cli, ["run", "--json", .. run[1..]], workspace);
            if (outcome.ExitCode != 0)
            {
                throw new MeasuredRunFailedException($"a --json run failed (exit {outcome.ExitCode}): {outcome.Stderr.Trim()}");
            }

            using var result = JsonDocument.Parse(outcome.Stdout);
            var path = result.RootElement.TryGetProperty("path", out var given) ? given.GetString() ?? "?" : "?";
            paths[path] = paths.GetValueOrDefault(path) + 1;
            foreach (var phase in result.RootElement.GetProperty("phases").EnumerateObject())
            {
                var time = TimeSpan.Parse(phase.Value.GetString()!, CultureInfo.InvariantCulture);
                (phases.TryGetValue(phase.Name, out var list) ? list : phases[phase.Name] = []).Add(time.TotalMilliseconds);
            }
        }

        return string.Join(", ", phases.Select(pair => string.Create(CultureInfo.InvariantCulture, $"{pair.Key} {new Samples(pair.Value).P50:0} ms")))
            + " (path: " + string.Join(", ", paths.Select(pair => string.Create(CultureInfo.InvariantCulture, $"{pair.Key} ×{pair.Value}"))) + ")";
    }

    /// <summary>
    /// Ends the CLI services this benchmark started (their process ids are in the directory's .pid files):
    /// SIGTERM, so each removes its prepared sandboxes; SIGKILL only for one that does not end in 60 s.
    /// </summary>
    public static void StopServices(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        foreach (var file in Directory.GetFiles(directory, "*.pid"))
        {
            if (int.TryParse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture, out var pid))
            {
                try
                {
                    using var service = Process.GetProcessById(pid);
                    using (var term = Process.Start("kill", ["-TERM", pid.ToString(CultureInfo.InvariantCulture)]))
                    {
                        term.WaitForExit();
                    }

                    if (!service.WaitForExit(60_000))
                    {
                        service.Kill();
                        service.WaitForExit(10_000);
                    }
                }
                catch (ArgumentException)
                {
                    // Already gone.
                }
            }
        }
    }

    public static async Task<ProcessOutcome> RunProcessAsync(string fileName, IEnumerable<string> arguments, string workingDirectory)
    {
        var start = new ProcessStartInfo(fileName) { WorkingDirectory = workingDirectory, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var drainOut = process.StandardOutput.ReadToEndAsync();
        var drainErr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new ProcessOutcome(process.ExitCode, await drainOut, await drainErr);
    }
}
