using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Gadugi.BuildExec.Engine.Tests.Setup;

/// <summary>
/// eng/setup-engine.sh against the live engine (which it must leave alone), against temporary
/// daemon.json files, and against stand-ins for docker/dockerd on PATH for the fresh-machine path,
/// so the real dockerd is never restarted.
/// </summary>
[TestClass]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SetupEngineScriptTests
{
    private string scratch = string.Empty;

    [TestInitialize]
    public void CreateScratch() => scratch = Directory.CreateTempSubdirectory("gadugi-test-setup-").FullName;

    [TestCleanup]
    public void DeleteScratch()
    {
        // A stand-in dockerd sleeps until stopped; stop it like the script would.
        if (File.Exists(PidFile) && int.TryParse(File.ReadAllText(PidFile).Trim(), out var pid))
        {
            try
            {
                Process.GetProcessById(pid).Kill();
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }

        Directory.Delete(scratch, recursive: true);
    }

    private string PidFile => Path.Combine(scratch, "dockerd.pid");

    private string DaemonJson => Path.Combine(scratch, "etc", "docker", "daemon.json");

    private static string Script()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var script = Path.Combine(folder.FullName, "eng", "setup-engine.sh");
            if (File.Exists(script))
            {
                return script;
            }
        }

        throw new InvalidOperationException("eng/setup-engine.sh is not above the test binaries.");
    }

    private async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string[] arguments, Dictionary<string, string>? environment = null)
    {
        var startInfo = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        startInfo.ArgumentList.Add(Script());
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment["GADUGI_DAEMON_JSON"] = DaemonJson;
        startInfo.Environment["GADUGI_DOCKERD_LOG"] = Path.Combine(scratch, "dockerd.log");

        // Never the machine's service manager nor its engine's pidfile: stand-ins only.
        startInfo.Environment["GADUGI_SERVICE_MANAGER"] = "none";
        startInfo.Environment["GADUGI_DOCKERD_PIDFILE"] = PidFile;
        foreach (var (name, value) in environment ?? [])
        {
            startInfo.Environment[name] = value;
        }

        using var process = Process.Start(startInfo)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }

    private static string Fingerprint(string file) => File.Exists(file) ? Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file))) : "absent";

    [TestMethod]
    public async Task With_an_engine_answering_it_touches_neither_engine_nor_daemon_json()
    {
        var liveDaemonJson = Fingerprint("/etc/docker/daemon.json");

        var (exitCode, stdout, stderr) = await RunAsync([]);

        Assert.AreEqual(0, exitCode, stderr);
        StringAssert.Contains(stdout, "engine answers (Docker ");
        StringAssert.Contains(stdout, "leaving it and its daemon.json alone");
        StringAssert.Contains(stdout, "present: mmdebstrap debian-archive-keyring");
        Assert.IsFalse(File.Exists(DaemonJson), "daemon.json was written although an engine answers");
        Assert.AreEqual(liveDaemonJson, Fingerprint("/etc/docker/daemon.json"));
        Assert.IsTrue(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).All(line => line.StartsWith("setup-engine: ", StringComparison.Ordinal)), stdout);
    }

    [TestMethod]
    public async Task Register_runtime_creates_daemon_json_when_absent()
    {
        var (exitCode, stdout, stderr) = await RunAsync(["register-runtime"]);

        Assert.AreEqual(0, exitCode, stderr);
        StringAssert.Contains(stdout, "registered runsc");
        var runsc = JsonNode.Parse(File.ReadAllText(DaemonJson))!["runtimes"]!["runsc"]!;
        Assert.AreEqual("/usr/bin/runsc", (string?)runsc["path"]);
        Assert.AreEqual("--network=none", (string?)runsc["runtimeArgs"]![0]);
    }

    [TestMethod]
    public async Task Register_runtime_merges_into_existing_keys_and_is_idempotent()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(DaemonJson)!);
        await File.WriteAllTextAsync(DaemonJson, """{"data-root":"/srv/docker","log-opts":{"max-size":"10m"},"runtimes":{"kata":{"path":"/usr/bin/kata"},"runsc":{"path":"/old/runsc"}}}""");

        var first = await RunAsync(["register-runtime"]);
        var afterFirst = Fingerprint(DaemonJson);
        var second = await RunAsync(["register-runtime"]);

        Assert.AreEqual(0, first.ExitCode, first.Stderr);
        Assert.AreEqual(0, second.ExitCode, second.Stderr);
        StringAssert.Contains(second.Stdout, "runsc already registered");
        Assert.AreEqual(afterFirst, Fingerprint(DaemonJson), "a second run must not rewrite the file");
        var json = JsonNode.Parse(File.ReadAllText(DaemonJson))!;
        Assert.AreEqual("/srv/docker", (string?)json["data-root"]);
        Assert.AreEqual("10m", (string?)json["log-opts"]!["max-size"]);
        Assert.AreEqual("/usr/bin/kata", (string?)json["runtimes"]!["kata"]!["path"]);
        Assert.AreEqual("/usr/bin/runsc", (string?)json["runtimes"]!["runsc"]!["path"]);
        Assert.AreEqual("--network=none", (string?)json["runtimes"]!["runsc"]!["runtimeArgs"]![0]);
    }

    [TestMethod]
    [DataRow("not json")]
    [DataRow("[1, 2]")]
    [DataRow("{\"a\": ")]
    public async Task Register_runtime_refuses_a_daemon_json_that_is_not_an_object_and_leaves_it(string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(DaemonJson)!);
        await File.WriteAllTextAsync(DaemonJson, content);

        var (exitCode, _, stderr) = await RunAsync(["register-runtime"]);

        Assert.AreEqual(1, exitCode);
        StringAssert.Contains(stderr, "is not a JSON object; fix it by hand");
        Assert.AreEqual(content, await File.ReadAllTextAsync(DaemonJson));
    }

    [TestMethod]
    public async Task Without_an_engine_it_registers_runsc_starts_dockerd_detached_with_a_clean_environment_and_waits_until_it_can_run()
    {
        var stubs = CreateStubs(dockerdStarts: true);
        var environment = StubEnvironment(stubs);
        environment["TMPDIR"] = Directory.CreateDirectory(Path.Combine(scratch, "gadugi-build.caller")).FullName;
        environment["DOTNET_NOLOGO"] = "1";

        var (exitCode, stdout, stderr) = await RunAsync([], environment);

        Assert.AreEqual(0, exitCode, stdout + stderr);
        StringAssert.Contains(stdout, "no engine answers; setting one up");
        StringAssert.Contains(stdout, "present: docker.io runsc mmdebstrap debian-archive-keyring iptables jq");
        StringAssert.Contains(stdout, "registered runsc");
        StringAssert.Contains(stdout, "starting dockerd detached, with a clean environment");
        StringAssert.Contains(stdout, "engine answers (Docker stub");
        StringAssert.Contains(stdout, "the engine ran a command in a hardened throwaway sandbox");
        Assert.IsNotNull(JsonNode.Parse(File.ReadAllText(DaemonJson))!["runtimes"]!["runsc"]);
        var dockerdEnvironment = File.ReadAllLines(Path.Combine(stubs, "dockerd-env")).Select(line => line.Split('=')[0]).ToArray();
        CollectionAssert.Contains(dockerdEnvironment, "PATH");
        CollectionAssert.DoesNotContain(dockerdEnvironment, "TMPDIR");
        CollectionAssert.DoesNotContain(dockerdEnvironment, "GADUGI_STUBS");
        Assert.IsFalse(dockerdEnvironment.Any(name => name.StartsWith("DOTNET_", StringComparison.Ordinal)), string.Join(", ", dockerdEnvironment));
        Assert.AreEqual("/", File.ReadAllText(Path.Combine(stubs, "dockerd-cwd")).Trim());
        Assert.AreEqual(File.ReadAllText(PidFile).Trim(), File.ReadAllText(Path.Combine(stubs, "dockerd-session")).Trim(), "dockerd must lead a session of its own");
    }

    [TestMethod]
    public async Task An_engine_it_started_that_cannot_exec_is_restarted_once_and_then_declared_ready()
    {
        var stubs = CreateStubs(dockerdStarts: true);
        File.WriteAllText(Path.Combine(stubs, "exec-fails-until-restart"), string.Empty);

        var (exitCode, stdout, stderr) = await RunAsync([], StubEnvironment(stubs));

        Assert.AreEqual(0, exitCode, stdout + stderr);
        StringAssert.Contains(stdout, "the engine started here cannot run a command (OCI runtime exec failed: open /tmp/gadugi-build.stub/runc-process1");
        StringAssert.Contains(stdout, "restarting it once");
        StringAssert.Contains(stdout, "the engine ran a command in a hardened throwaway sandbox");
        Assert.IsTrue(File.Exists(Path.Combine(stubs, "restarted")), "the stand-in dockerd was not started a second time");
    }

    [TestMethod]
    public async Task A_service_manager_that_cannot_start_docker_falls_back_to_a_detached_dockerd_and_restarts_that_one()
    {
        // As in a restricted CI session: the init script's 'ulimit -n 1048576' is refused.
        var stubs = CreateStubs(dockerdStarts: true);
        WriteScript(stubs, "service", """
            #!/bin/sh
            echo "$*" >> "$(dirname "$0")/service-calls"
            echo "/etc/init.d/docker: 86: ulimit: error setting limit (Operation not permitted)" >&2
            exit 2
            """);
        File.WriteAllText(Path.Combine(stubs, "exec-fails-until-restart"), string.Empty);
        var environment = StubEnvironment(stubs);
        environment["GADUGI_SERVICE_MANAGER"] = "service";

        var (exitCode, stdout, stderr) = await RunAsync([], environment);

        Assert.AreEqual(0, exitCode, stdout + stderr);
        StringAssert.Contains(stdout, "'service docker start' failed (/etc/init.d/docker: 86: ulimit: error setting limit (Operation not permitted)); starting dockerd directly instead");
        StringAssert.Contains(stdout, "starting dockerd detached, with a clean environment");
        StringAssert.Contains(stdout, "restarting it once");
        StringAssert.Contains(stdout, "the engine ran a command in a hardened throwaway sandbox");
        Assert.IsTrue(File.Exists(Path.Combine(stubs, "restarted")), "the restart must restart the detached dockerd, not go through the service that failed");
        CollectionAssert.AreEqual(new[] { "docker start" }, File.ReadAllLines(Path.Combine(stubs, "service-calls")));
    }

    [TestMethod]
    public async Task An_engine_it_started_that_still_cannot_exec_after_one_restart_fails_with_GBX1003()
    {
        var stubs = CreateStubs(dockerdStarts: true);
        File.WriteAllText(Path.Combine(stubs, "exec-always-fails"), string.Empty);

        var (exitCode, stdout, stderr) = await RunAsync([], StubEnvironment(stubs));

        Assert.AreEqual(1, exitCode, stdout);
        StringAssert.Contains(stdout, "restarting it once");
        StringAssert.Contains(stderr, "GBX1003: The container engine answers but cannot run a command inside a sandbox: OCI runtime exec failed: open /tmp/gadugi-build.stub/runc-process1: no such file or directory: unknown (also after one restart; see ");
        StringAssert.Contains(stderr, "restart it from a clean environment");
    }

    [TestMethod]
    public async Task An_engine_already_running_that_cannot_exec_is_left_alone_and_fails_with_GBX1003()
    {
        var stubs = CreateStubs(dockerdStarts: true);
        File.WriteAllText(Path.Combine(stubs, "dockerd-started"), string.Empty);
        File.WriteAllText(Path.Combine(stubs, "exec-always-fails"), string.Empty);

        var (exitCode, stdout, stderr) = await RunAsync([], StubEnvironment(stubs));

        Assert.AreEqual(1, exitCode, stdout);
        StringAssert.Contains(stdout, "engine answers (Docker stub");
        Assert.IsFalse(stdout.Contains("restarting", StringComparison.Ordinal), stdout);
        Assert.IsFalse(File.Exists(Path.Combine(stubs, "dockerd-env")), "an engine the set-up did not start must not be started or restarted");
        StringAssert.Contains(stderr, "GBX1003: The container engine answers but cannot run a command inside a sandbox: OCI runtime exec failed");
    }

    [TestMethod]
    public async Task An_engine_that_never_answers_fails_with_where_to_look()
    {
        var stubs = CreateStubs(dockerdStarts: false);
        var environment = StubEnvironment(stubs);
        environment["GADUGI_ENGINE_WAIT"] = "2";

        var (exitCode, _, stderr) = await RunAsync([], environment);

        Assert.AreEqual(1, exitCode);
        StringAssert.Contains(stderr, "the engine did not answer within 2 s");
        StringAssert.Contains(stderr, Path.Combine(scratch, "dockerd.log"));
    }

    private static Dictionary<string, string> StubEnvironment(string stubs) => new()
    {
        ["PATH"] = $"{stubs}:{Environment.GetEnvironmentVariable("PATH")}",
        ["GADUGI_STUBS"] = stubs,
        ["GADUGI_DOCKERD"] = Path.Combine(stubs, "dockerd"),
    };

    /// <summary>
    /// Stand-ins that shadow the real tools: docker answers once the stand-in dockerd has run, and
    /// its exec fails as an engine with a lost TMPDIR does when told to; the stand-in dockerd (which
    /// gets none of the caller's environment, so it finds its folder from its own path) records its
    /// environment, folder and session and sleeps until stopped. Nothing reaches the real engine.
    /// </summary>
    private string CreateStubs(bool dockerdStarts)
    {
        var stubs = Directory.CreateDirectory(Path.Combine(scratch, "stubs")).FullName;
        WriteScript(stubs, "docker", """
            #!/bin/sh
            [ -e "$GADUGI_STUBS/dockerd-started" ] || exit 1
            case "$1" in
                info) case "$*" in *--format*) echo "Docker stub, runtimes: runc runsc" ;; esac ;;
                run) echo stub-container ;;
                exec)
                    if [ -e "$GADUGI_STUBS/exec-always-fails" ] || { [ -e "$GADUGI_STUBS/exec-fails-until-restart" ] && [ ! -e "$GADUGI_STUBS/restarted" ]; }; then
                        echo "OCI runtime exec failed: open /tmp/gadugi-build.stub/runc-process1: no such file or directory: unknown" >&2
                        exit 126
                    fi ;;
            esac
            exit 0
            """);
        WriteScript(stubs, "dockerd", dockerdStarts
            ? """
              #!/bin/sh
              stubs=$(dirname "$0")
              [ -e "$stubs/dockerd-started" ] && touch "$stubs/restarted"
              env > "$stubs/dockerd-env"
              pwd > "$stubs/dockerd-cwd"
              cut -d' ' -f6 /proc/$$/stat > "$stubs/dockerd-session"
              while [ $# -gt 0 ]; do [ "$1" = --pidfile ] && echo $$ > "$2"; shift; done
              touch "$stubs/dockerd-started"
              exec sleep 120
              """
            : "#!/bin/sh\necho 'stand-in dockerd failing'\n");
        return stubs;
    }

    private static void WriteScript(string folder, string name, string text)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, text.Replace("\r\n", "\n", StringComparison.Ordinal));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
