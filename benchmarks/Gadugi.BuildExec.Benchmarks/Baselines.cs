using System.Diagnostics;
using System.Globalization;
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
