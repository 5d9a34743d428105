namespace Gadugi.BuildExec.Engine.Tests.Support;

/// <summary>
/// A second dockerd of the test's own (eng/private-engine.sh: own socket, data root, exec root,
/// pidfile and address pool), so engine start-up and engine faults are tried without ever touching
/// the machine's engine that everyone else uses. Stopped and removed on dispose.
/// </summary>
internal sealed class PrivateEngine : IAsyncDisposable
{
    private PrivateEngine(string directory) => Directory = directory;

    public string Directory { get; }

    public string DockerHost => "unix://" + Path.Combine(Directory, "docker.sock");

    public string Log => Path.Combine(Directory, "dockerd.log");

    public int Pid => int.Parse(File.ReadAllText(Path.Combine(Directory, "dockerd.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);

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

        throw new InvalidOperationException($"eng/{name} is not above the test binaries.");
    }

    /// <summary>Started by the set-up's own start logic, from a caller whose environment is <paramref name="callerEnvironment"/>.</summary>
    public static async Task<PrivateEngine> StartAsync(string pool, IReadOnlyDictionary<string, string> callerEnvironment, params string[] images)
    {
        var engine = new PrivateEngine(NewDirectory());
        var environment = new Dictionary<string, string>(callerEnvironment) { ["GADUGI_PRIVATE_POOL"] = pool };
        var started = await ChildProcess.RunAsync("bash", [Script("private-engine.sh"), "start", engine.Directory, .. images], new ChildProcessOptions { Environment = environment, RemoveEnvironment = ["DOCKER_HOST"] });
        if (started.ExitCode != 0)
        {
            await engine.DisposeAsync();
            throw new InvalidOperationException("the private engine did not start: " + started);
        }

        return engine;
    }

    /// <summary>
    /// Started the way the set-up used to start an engine: in the background from the caller's
    /// environment, so dockerd and its containerd keep the caller's TMPDIR.
    /// </summary>
    public static async Task<PrivateEngine> StartInheritingAsync(string pool, string callerTmpdir, params string[] images)
    {
        var engine = new PrivateEngine(NewDirectory());
        var d = engine.Directory;
        var script = $"""
            bridge=$(GADUGI_PRIVATE_POOL={pool} bash {Script("private-engine.sh")} bridge {d})
            nohup dockerd --pidfile {d}/dockerd.pid -H unix://{d}/docker.sock --data-root {d}/data --exec-root {d}/exec --bridge "$bridge" --iptables=false --ip-masq=false --default-address-pool base={pool},size=24 >>{d}/dockerd.log 2>&1 </dev/null &
            for i in $(seq 60); do docker -H unix://{d}/docker.sock info >/dev/null 2>&1 && break; sleep 1; done
            docker -H unix:///var/run/docker.sock save {string.Join(' ', images)} | docker -H unix://{d}/docker.sock load -q
            """;
        var started = await ChildProcess.RunAsync("bash", ["-c", script], new ChildProcessOptions { Environment = new Dictionary<string, string> { ["TMPDIR"] = callerTmpdir } });
        if (started.ExitCode != 0)
        {
            await engine.DisposeAsync();
            throw new InvalidOperationException("the inheriting engine did not start: " + started);
        }

        return engine;
    }

    /// <summary>Short: the engine's sockets live under it, and unix socket paths are limited to 107 bytes.</summary>
    private static string NewDirectory() =>
        System.IO.Directory.CreateDirectory(Path.Combine("/var/tmp", "gadugi-pe-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4)))).FullName;

    public async ValueTask DisposeAsync()
    {
        var stopped = await ChildProcess.RunAsync("bash", [Script("private-engine.sh"), "stop", Directory]);
        if (stopped.ExitCode != 0)
        {
            throw new InvalidOperationException("the private engine did not stop: " + stopped);
        }
    }
}
