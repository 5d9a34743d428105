using System.Diagnostics;
using System.Globalization;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Benchmarks;

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

    /// <summary>The same hardening the executor applies, spelled as docker CLI flags.</summary>
    public static List<string> HardenedFlags(SandboxPolicy policy, string workspace) =>
    [
        "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges:true", "--user", "10001:10001",
        "--network", "none", "--ipc", "private", "--init", "--log-driver", "none", "--shm-size", "64m",
        "--memory", policy.MemoryBytes.ToString(CultureInfo.InvariantCulture), "--memory-swap", policy.MemoryBytes.ToString(CultureInfo.InvariantCulture),
        "--cpus", policy.Cpus.ToString(CultureInfo.InvariantCulture), "--pids-limit", policy.PidsLimit.ToString(CultureInfo.InvariantCulture),
        "--ulimit", $"nofile={policy.OpenFiles}:{policy.OpenFiles}",
        "--tmpfs", $"/tmp:rw,nosuid,nodev,exec,size={policy.DiskBytes},mode=1777",
        "--tmpfs", $"/output:rw,nosuid,nodev,exec,size={policy.DiskBytes},uid=10001,gid=10001",
        "--mount", $"type=bind,src={workspace},dst=/workspace,readonly", "-w", "/workspace",
    ];

    public static Task<int> DockerRunAsync(SandboxPolicy policy, string workspace, string[] command) =>
        RunProcessAsync("docker", ["run", "--rm", .. HardenedFlags(policy, workspace), policy.Image, .. command], workspace);

    public static async Task<Samples> DockerExecAsync(SandboxPolicy policy, string workspace, string[] command, int iterations)
    {
        var start = new ProcessStartInfo("docker") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in (List<string>)["run", "-d", "--rm", .. HardenedFlags(policy, workspace), "--entrypoint", "sleep", policy.Image, "600"])
        {
            start.ArgumentList.Add(argument);
        }

        using var run = Process.Start(start)!;
        var id = (await run.StandardOutput.ReadToEndAsync()).Trim();
        await run.WaitForExitAsync();
        try
        {
            return await Measure.RepeatAsync(iterations, () => RunProcessAsync("docker", ["exec", id, .. command], workspace));
        }
        finally
        {
            await RunProcessAsync("docker", ["rm", "-f", id], workspace);
        }
    }

    public static async Task<int> RunProcessAsync(string fileName, IEnumerable<string> arguments, string workingDirectory)
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
        await Task.WhenAll(drainOut, drainErr);
        return process.ExitCode;
    }
}
