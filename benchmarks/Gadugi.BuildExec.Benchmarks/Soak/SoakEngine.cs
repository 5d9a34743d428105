using System.Diagnostics;

namespace Gadugi.BuildExec.Benchmarks.Soak;

/// <summary>
/// The engine the soak runs against and restarts. By default a private dockerd of its own
/// (eng/private-engine.sh), so the machine's engine, which others use, is never restarted; with a
/// restart command, the engine DOCKER_HOST names, restarted by that command.
/// </summary>
internal sealed class SoakEngine : IAsyncDisposable
{
    private readonly string? _privateDirectory;
    private readonly string? _restartCommand;

    private SoakEngine(Uri endpoint, string? privateDirectory, string? restartCommand)
    {
        Endpoint = endpoint;
        _privateDirectory = privateDirectory;
        _restartCommand = restartCommand;
    }

    public Uri Endpoint { get; }

    public string Description => _privateDirectory is null
        ? $"{Endpoint} (restarted with: {_restartCommand})"
        : $"a private dockerd at {Endpoint} (data under {_privateDirectory}), restarted by eng/private-engine.sh";

    public static async Task<SoakEngine> StartPrivateAsync(string directory, string pool, params string[] images)
    {
        var engine = new SoakEngine(new Uri("unix://" + Path.Combine(directory, "docker.sock")), directory, null);
        var started = await RunAsync("bash", [Script("private-engine.sh"), "start", directory, .. images], new Dictionary<string, string> { ["GADUGI_PRIVATE_POOL"] = pool });
        if (started.ExitCode != 0)
        {
            await engine.DisposeAsync();
            throw new InvalidOperationException("the soak's private engine did not start:\n" + started.Output);
        }

        return engine;
    }

    public static SoakEngine External(string restartCommand)
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (string.IsNullOrEmpty(host))
        {
            throw new InvalidOperationException("--restart-command needs DOCKER_HOST to name the engine it restarts");
        }

        return new SoakEngine(new Uri(host), null, restartCommand);
    }

    /// <summary>Stops dockerd and starts it again; returns what the restart printed.</summary>
    public async Task<(int ExitCode, string Output)> RestartAsync() => _privateDirectory is not null
        ? await RunAsync("bash", [Script("private-engine.sh"), "restart", _privateDirectory])
        : await RunAsync("bash", ["-c", _restartCommand!]);

    public async ValueTask DisposeAsync()
    {
        if (_privateDirectory is not null)
        {
            await RunAsync("bash", [Script("private-engine.sh"), "stop", _privateDirectory]);
        }
    }

    public static string Script(string name)
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var script = Path.Combine(folder.FullName, "eng", name);
            if (File.Exists(script))
            {
                return script;
            }
        }

        throw new InvalidOperationException($"eng/{name} is not above {AppContext.BaseDirectory}");
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var startInfo = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }

        using var process = Process.Start(startInfo)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
