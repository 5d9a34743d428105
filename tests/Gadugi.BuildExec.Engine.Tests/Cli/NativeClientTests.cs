using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gadugi.BuildExec.Engine.Tests.Support;

namespace Gadugi.BuildExec.Engine.Tests.Cli;

/// <summary>
/// The published gadugi-exec as a user runs it: the Native AOT front end serves a run through the
/// background service (which it starts as the managed CLI), and execs the managed CLI for everything
/// else, handing over why the service was not used so that the notice is said once, and the handoff
/// never reaches a sandbox.
/// </summary>
[TestClass]
public sealed partial class NativeClientTests
{
    private ServiceWorkspace _space = null!;
    private string _workspace = string.Empty;
    private string _serviceDirectory = string.Empty;
    private string _audit = string.Empty;

    [GeneratedRegex(@"^\d+\.\d+\.\d+")]
    private static partial Regex Version();

    [TestInitialize]
    public void CreateWorkspace()
    {
        _space = new ServiceWorkspace("gadugi-native-client-test-");
        (_workspace, _serviceDirectory, _audit) = (_space.Root, _space.ServiceDirectory, _space.AuditLog);
    }

    [TestCleanup]
    public void StopServiceAndDeleteWorkspace() => _space.StopServicesAndDelete();

    [TestMethod]
    public async Task The_native_client_has_a_run_served_by_the_managed_service_with_its_stdin_and_exit_code()
    {
        var outcome = await RunAsync("hello\n", null, "run", "--json", "--policy", "shell", "--", "sh", "-c", "read line; echo \"got $line\"; exit 7");

        Assert.AreEqual(7, outcome.ExitCode, outcome.Output);
        using var result = JsonDocument.Parse(outcome.Stdout);
        CollectionAssert.Contains(new[] { "service", "pooled" }, result.RootElement.GetProperty("path").GetString(), outcome.Output);
        Assert.AreEqual("got hello\n", result.RootElement.GetProperty("stdout").GetProperty("text").GetString(), outcome.Output);
        Assert.DoesNotContain("GBX70", outcome.Stderr, "no notice: the service served it");
        var service = ServiceProcesses.Pids(_serviceDirectory).Single();
        Assert.AreEqual("gadugi-exec-managed", Path.GetFileName(File.ResolveLinkTarget($"/proc/{service.ToString(CultureInfo.InvariantCulture)}/exe", false)!.FullName), "the service is the managed CLI, not the front end");
    }

    [TestMethod]
    public async Task A_fallback_execs_the_managed_cli_which_runs_directly_and_says_the_notice_once()
    {
        // A service directory others can enter is not used (GBX7003): the front end hands the run over.
        Directory.CreateDirectory(_serviceDirectory);
        File.SetUnixFileMode(_serviceDirectory, (UnixFileMode)0x1ED);
        var unsafeDirectory = await RunAsync("in\n", null, "run", "--json", "--policy", "shell", "--", "sh", "-c", "cat; exit 3");
        var poolOff = await RunAsync(null, new Dictionary<string, string> { ["GADUGI_POOL"] = "off" }, "run", "--json", "--policy", "shell", "--", "true");

        Assert.AreEqual(3, unsafeDirectory.ExitCode, unsafeDirectory.Output);
        using (var result = JsonDocument.Parse(unsafeDirectory.Stdout))
        {
            Assert.AreEqual("direct", result.RootElement.GetProperty("path").GetString(), unsafeDirectory.Output);
            Assert.AreEqual("in\n", result.RootElement.GetProperty("stdout").GetProperty("text").GetString(), "the managed CLI got the caller's stdin");
        }

        Assert.AreEqual(1, Regex.Count(unsafeDirectory.Stderr, "GBX7003"), unsafeDirectory.Output);
        Assert.AreEqual(0, poolOff.ExitCode, poolOff.Output);
        using (var result = JsonDocument.Parse(poolOff.Stdout))
        {
            Assert.AreEqual("direct", result.RootElement.GetProperty("path").GetString(), poolOff.Output);
        }

        Assert.AreEqual(string.Empty, poolOff.Stderr, "the direct path asked for says nothing");
        Assert.IsEmpty(ServiceProcesses.Pids(_serviceDirectory), "no service was started");
    }

    [TestMethod]
    public async Task After_a_hung_service_the_managed_cli_does_not_try_the_service_again()
    {
        // The socket's name is the service's for this environment: learn it from a real one, then stop it.
        var served = await RunAsync(null, null, "run", "--policy", "shell", "--", "true");
        Assert.AreEqual(0, served.ExitCode, served.Output);
        var socket = Directory.GetFiles(_serviceDirectory, "*.sock").Single();
        _space.StopServices();
        Assert.IsFalse(File.Exists(socket), "the stopped service removed its socket");

        // A service that accepts and never answers, counting its callers.
        var connections = Path.Combine(_workspace, "connections");
        File.WriteAllText(Path.Combine(_workspace, "hung.py"), HungService);
        using var hung = Process.Start(new ProcessStartInfo("/usr/bin/python3", [Path.Combine(_workspace, "hung.py"), socket, connections]) { UseShellExecute = false })!;
        try
        {
            while (!File.Exists(connections))
            {
                Assert.IsFalse(hung.HasExited, "the hung service could not listen");
                await Task.Delay(20);
            }

            var outcome = await RunAsync(null, new Dictionary<string, string> { ["GADUGI_SERVICE_TIMEOUT"] = "1" }, "run", "--json", "--policy", "shell", "--", "true");

            Assert.AreEqual(0, outcome.ExitCode, outcome.Output);
            using var result = JsonDocument.Parse(outcome.Stdout);
            Assert.AreEqual("direct", result.RootElement.GetProperty("path").GetString(), outcome.Output);
            Assert.AreEqual(1, Regex.Count(outcome.Stderr, "GBX7001"), outcome.Output);
            Assert.AreEqual("1", File.ReadAllText(connections), "the front end asked the service once; the managed CLI it handed over to did not ask again");
        }
        finally
        {
            hung.Kill();
            await hung.WaitForExitAsync();
        }
    }

    [TestMethod]
    public async Task Version_and_help_work_through_the_native_client()
    {
        var version = await RunAsync(null, null, "--version");
        var help = await RunAsync(null, null, "run", "--help");

        Assert.AreEqual(0, version.ExitCode, version.Output);
        StringAssert.Matches(version.Stdout, Version(), version.Output);
        Assert.AreEqual(0, help.ExitCode, help.Output);
        StringAssert.Contains(help.Stdout, "--no-pool", help.Output);
    }

    [TestMethod]
    public async Task The_handoff_variable_never_reaches_the_sandbox()
    {
        Directory.CreateDirectory(_serviceDirectory);
        File.SetUnixFileMode(_serviceDirectory, (UnixFileMode)0x1ED);
        var policies = Path.Combine(_workspace, "policies.yaml");
        File.WriteAllText(policies, "policies:\n  handoff: { image: \"gadugi/shell:5.2\", env: [GADUGI_CLIENT_FALLBACK] }\n");

        // The one way a host variable enters a sandbox: --env NAME copies the caller's value.
        var outcome = await RunAsync(null, null, "run", "--policy-file", policies, "--policy", "handoff", "--env", "GADUGI_CLIENT_FALLBACK", "--", "sh", "-c", "echo \"[$GADUGI_CLIENT_FALLBACK]\"");

        Assert.AreEqual(0, outcome.ExitCode, outcome.Output);
        StringAssert.Contains(outcome.Stderr, "GBX7003", "the front end handed the run over");
        Assert.AreEqual("[]\n", outcome.Stdout, "the managed CLI took the handoff out of its environment before the run");
    }

    [TestMethod]
    public async Task Without_the_managed_cli_beside_it_the_native_client_says_GBX7020_and_exits_125()
    {
        var alone = Path.Combine(_workspace, "alone");
        Directory.CreateDirectory(alone);
        File.Copy(NativeClient.ProgramPath, Path.Combine(alone, "gadugi-exec"));

        var outcome = await ChildProcess.RunAsync(Path.Combine(alone, "gadugi-exec"), ["--version"], new ChildProcessOptions { WorkingDirectory = _workspace });

        Assert.AreEqual(125, outcome.ExitCode, outcome.Output);
        StringAssert.Contains(outcome.Stderr, "GBX7020", outcome.Output);
        StringAssert.Contains(outcome.Stderr, Path.Combine(alone, "gadugi-exec-managed"), outcome.Output);
    }

    [TestMethod]
    public async Task A_service_killed_during_a_run_ends_the_native_client_with_GBX7004_and_125()
    {
        var start = new ProcessStartInfo(NativeClient.ProgramPath)
        {
            WorkingDirectory = _workspace,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "run", "--policy", "shell", "--", "sh", "-c", "echo ready; sleep 120" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("GADUGI_POOL");
        start.Environment["GADUGI_AUDIT_LOG"] = _audit;
        start.Environment["GADUGI_SERVICE_DIR"] = _serviceDirectory;
        using var client = Process.Start(start)!;
        client.StandardInput.Close();
        var error = client.StandardError.ReadToEndAsync();
        Assert.AreEqual("ready", await client.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(2)));

        Process.GetProcessById(ServiceProcesses.Pids(_serviceDirectory).Single()).Kill();

        Assert.IsTrue(client.WaitForExit(60_000), "the client ends when its service dies");
        Assert.AreEqual(125, client.ExitCode, await error);
        StringAssert.Contains(await error, "GBX7004: The background service ended during this run");

        // The next run's sweep removes the dead service's sandboxes (its run's and its pool's).
        var next = await RunAsync(null, null, "run", "--policy", "shell", "--", "true");
        Assert.AreEqual(0, next.ExitCode, next.Output);
    }

    private const string HungService = """
        import socket, sys
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(sys.argv[1])
        listener.listen(16)
        callers = []
        open(sys.argv[2], "w").write("0")
        while True:
            caller, _ = listener.accept()
            callers.append(caller)
            with open(sys.argv[2], "w") as count:
                count.write(str(len(callers)))
        """;

    private Task<ChildProcessResult> RunAsync(string? stdin, Dictionary<string, string>? environment, params string[] arguments)
    {
        var variables = new Dictionary<string, string>(environment ?? []) { ["GADUGI_AUDIT_LOG"] = _audit, ["GADUGI_SERVICE_DIR"] = _serviceDirectory };
        return ChildProcess.RunAsync(NativeClient.ProgramPath, arguments, new ChildProcessOptions
        {
            WorkingDirectory = _workspace,
            Environment = variables,
            RemoveEnvironment = environment?.ContainsKey("GADUGI_POOL") == true ? [] : ["GADUGI_POOL"],
            Stdin = stdin,
        });
    }
}
