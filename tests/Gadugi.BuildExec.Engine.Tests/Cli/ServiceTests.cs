using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Gadugi.BuildExec.Engine.Tests.Support;

namespace Gadugi.BuildExec.Engine.Tests.Cli;

/// <summary>
/// gadugi-exec run through the per-user background service, with the real program and engine: a run is
/// served by a warm service and keeps the caller's streams, directory and exit code; the service is its
/// user's only (file modes and the kernel's peer uid); a dead, hung or unsafe service never blocks a run;
/// it exits when idle; --no-pool and GADUGI_POOL=off go the direct way.
/// </summary>
[TestClass]
public sealed class ServiceTests
{
    private ServiceWorkspace _space = null!;
    private string _workspace = string.Empty;
    private string _serviceDirectory = string.Empty;
    private string _audit = string.Empty;

    [TestInitialize]
    public void CreateWorkspace()
    {
        _space = new ServiceWorkspace("gadugi-service-test-");
        (_workspace, _serviceDirectory, _audit) = (_space.Root, _space.ServiceDirectory, _space.AuditLog);
    }

    [TestCleanup]
    public void StopServiceAndDeleteWorkspace() => _space.StopServicesAndDelete();

    [TestMethod]
    public async Task A_run_is_served_by_the_service_with_the_callers_streams_directory_and_exit_code_and_the_next_by_the_same_service()
    {
        var first = await RunAsync("input line\n", null, "run", "--result-json", "result.json", "--policy", "shell", "--", "sh", "-c", "echo out; echo err >&2; cat; exit 7");
        var pid = ServiceProcesses.Pids(_serviceDirectory).Single();
        var second = await RunAsync(null, null, "run", "--json", "--policy", "shell", "--", "true");

        Assert.AreEqual(7, first.ExitCode, first.Output);
        Assert.AreEqual("out\ninput line\n", first.Stdout, first.Output);
        Assert.AreEqual("err\n", first.Stderr, first.Output);
        using var written = JsonDocument.Parse(File.ReadAllText(Path.Combine(_workspace, "result.json")));
        Assert.AreEqual("service", written.RootElement.GetProperty("path").GetString(), "the relative --result-json is the caller's directory's");
        Assert.AreEqual(0, second.ExitCode, second.Output);
        using var printed = JsonDocument.Parse(second.Stdout);
        Assert.AreEqual("pooled", printed.RootElement.GetProperty("path").GetString(), "the service prepared a sandbox for the second run's key");
        CollectionAssert.AreEqual(new[] { pid }, ServiceProcesses.Pids(_serviceDirectory).ToArray(), "the same warm service served both");
        Assert.IsTrue(ServiceProcesses.IsAlive(pid));
        var socket = Directory.GetFiles(_serviceDirectory, "*.sock").Single();
        Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(socket));
        Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_serviceDirectory));
    }

    [TestMethod]
    public async Task No_pool_and_GADUGI_POOL_off_run_in_the_callers_process()
    {
        var noPool = await RunAsync(null, null, "run", "--no-pool", "--json", "--policy", "shell", "--", "true");
        var off = await RunAsync(null, new Dictionary<string, string> { ["GADUGI_POOL"] = "off" }, "run", "--json", "--policy", "shell", "--", "true");

        foreach (var outcome in new[] { noPool, off })
        {
            Assert.AreEqual(0, outcome.ExitCode, outcome.Output);
            using var printed = JsonDocument.Parse(outcome.Stdout);
            Assert.AreEqual("direct", printed.RootElement.GetProperty("path").GetString(), outcome.Output);
        }

        Assert.IsFalse(Directory.Exists(_serviceDirectory) && Directory.GetFiles(_serviceDirectory, "*.sock").Length > 0, "no service was started");
    }

    [TestMethod]
    public async Task A_caller_of_another_uid_is_refused_by_the_socket_modes_and_by_the_peer_uid()
    {
        var started = await RunAsync(null, null, "run", "--policy", "shell", "--", "true");
        Assert.AreEqual(0, started.ExitCode, started.Output);
        var socket = Directory.GetFiles(_serviceDirectory, "*.sock").Single();
        var marker = Path.Combine(_workspace, "attacker-ran");
        File.WriteAllText(Path.Combine(_workspace, "connect.py"), HostileClient);

        var blockedByModes = await AsNobodyAsync(socket, marker);

        // The modes are the first wall; the peer uid check must hold on its own when they are opened up.
        File.SetUnixFileMode(_serviceDirectory, (UnixFileMode)0x1FF);
        File.SetUnixFileMode(socket, (UnixFileMode)0x1B6);
        var blockedByUid = await AsNobodyAsync(socket, marker);

        StringAssert.Contains(blockedByModes.Output, "PermissionError", blockedByModes.Output);
        Assert.AreEqual(0, blockedByUid.ExitCode, blockedByUid.Output);
        StringAssert.StartsWith(blockedByUid.Stdout, "R ", blockedByUid.Output);
        StringAssert.Contains(blockedByUid.Stdout, "GBX7005", blockedByUid.Output);
        Assert.IsFalse(File.Exists(marker), "the other user's command never ran");
    }

    [TestMethod]
    public async Task A_killed_service_loses_only_its_run_leaves_no_sandbox_and_the_next_run_starts_a_new_one()
    {
        var started = await RunAsync(null, null, "run", "--policy", "shell", "--", "true");
        Assert.AreEqual(0, started.ExitCode, started.Output);
        var killed = ServiceProcesses.Pids(_serviceDirectory).Single();

        var (process, ready) = StartClient("run", "--policy", "shell", "--", "sh", "-c", "echo ready; sleep 120");
        using (process)
        {
            await ready.WaitAsync(TimeSpan.FromMinutes(2));
            Assert.IsTrue(ServiceProcesses.SandboxesAuditingTo(_audit).Count > 0, "the run's sandbox is up");
            Process.GetProcessById(killed).Kill();
            Assert.IsTrue(process.WaitForExit(60_000), "the client ends when its service dies");
            var error = await process.StandardError.ReadToEndAsync();
            Assert.AreEqual(125, process.ExitCode, error);
            StringAssert.Contains(error, "GBX7004");
        }

        // The dead service's: its run's sandbox and the one its pool prepared (the new service prepares its own).
        var dead = ServiceProcesses.SandboxesAuditingTo(_audit);
        var next = await RunAsync(null, null, "run", "--json", "--policy", "shell", "--", "true");

        Assert.AreEqual(0, next.ExitCode, next.Output);
        using var printed = JsonDocument.Parse(next.Stdout);
        Assert.AreEqual("service", printed.RootElement.GetProperty("path").GetString());
        Assert.AreNotEqual(killed, ServiceProcesses.Pids(_serviceDirectory).Single(), "a new service serves");
        var clock = Stopwatch.StartNew();
        while (ServiceProcesses.SandboxesAuditingTo(_audit).Intersect(dead).Any() && clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(500);
        }

        var left = ServiceProcesses.SandboxesAuditingTo(_audit).Intersect(dead).ToList();
        Assert.IsEmpty(left, "the new service's sweep removed the dead one's sandboxes: " + string.Join(", ", left) + " of " + string.Join(", ", dead));
    }

    [TestMethod]
    public async Task A_hung_service_is_passed_by_with_a_notice_and_the_run_goes_the_direct_way()
    {
        var started = await RunAsync(null, null, "run", "--policy", "shell", "--", "true");
        Assert.AreEqual(0, started.ExitCode, started.Output);
        var pid = ServiceProcesses.Pids(_serviceDirectory).Single();
        ServiceProcesses.Signal("STOP", pid);

        var outcome = await RunAsync(null, new Dictionary<string, string> { ["GADUGI_SERVICE_TIMEOUT"] = "1" }, "run", "--json", "--policy", "shell", "--", "echo", "ran");

        ServiceProcesses.Signal("CONT", pid);
        Assert.AreEqual(0, outcome.ExitCode, outcome.Output);
        StringAssert.Contains(outcome.Stderr, "GBX7001", outcome.Output);
        StringAssert.Contains(outcome.Stderr, "ran\n");
        using var printed = JsonDocument.Parse(outcome.Stdout);
        Assert.AreEqual("direct", printed.RootElement.GetProperty("path").GetString());
    }

    [TestMethod]
    public async Task The_service_exits_when_idle_and_removes_its_socket()
    {
        var idle = new Dictionary<string, string> { ["GADUGI_SERVICE_IDLE"] = "2s" };
        var outcome = await RunAsync(null, idle, "run", "--policy", "shell", "--", "true");
        Assert.AreEqual(0, outcome.ExitCode, outcome.Output);
        var pid = ServiceProcesses.Pids(_serviceDirectory).Single();

        var clock = Stopwatch.StartNew();
        while (ServiceProcesses.IsAlive(pid) && clock.Elapsed < TimeSpan.FromMinutes(1))
        {
            await Task.Delay(250);
        }

        Assert.IsFalse(ServiceProcesses.IsAlive(pid), "the idle service exited");
        Assert.AreEqual(0, Directory.GetFiles(_serviceDirectory, "*.sock").Length);
        Assert.IsEmpty(ServiceProcesses.SandboxesAuditingTo(_audit), "the exiting service removed its run's sandbox (removed after the answer) and the one its pool prepared");
    }

    [TestMethod]
    public async Task A_service_directory_others_can_enter_is_not_used()
    {
        Directory.CreateDirectory(_serviceDirectory);
        File.SetUnixFileMode(_serviceDirectory, (UnixFileMode)0x1ED);

        var outcome = await RunAsync(null, null, "run", "--json", "--policy", "shell", "--", "true");

        Assert.AreEqual(0, outcome.ExitCode, outcome.Output);
        StringAssert.Contains(outcome.Stderr, "GBX7003", outcome.Output);
        using var printed = JsonDocument.Parse(outcome.Stdout);
        Assert.AreEqual("direct", printed.RootElement.GetProperty("path").GetString());
        Assert.AreEqual(0, Directory.GetFiles(_serviceDirectory).Length, "no socket in a directory others can enter");
    }

    /// <summary>
    /// What another local user would write: connect to the socket and ask it to run a command that leaves
    /// a mark. Prints the reply's frame type and text.
    /// </summary>
    private const string HostileClient = """
        import socket, struct, sys
        def s(text):
            data = text.encode()
            n, prefix = len(data), b""
            while True:
                byte = n & 0x7F; n >>= 7
                prefix += bytes([byte | (0x80 if n else 0)])
                if not n: break
            return prefix + data
        args = ["run", "--policy", "shell", "--", "touch", sys.argv[2]]
        hello = struct.pack("<Hi", 1, len(args)) + b"".join(s(a) for a in args) + s("/tmp") + bytes([0]) + struct.pack("<ii", 80, 24)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(sys.argv[1])
        sock.sendall(b"H" + struct.pack("<i", len(hello)) + hello)
        header = sock.recv(5)
        length = struct.unpack("<i", header[1:5])[0]
        body = b""
        while len(body) < length:
            body += sock.recv(length - len(body))
        print(chr(header[0]), body.decode())
        """;

    private Task<ChildProcessResult> AsNobodyAsync(string socket, string marker) =>
        ChildProcess.RunAsync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", Path.Combine(_workspace, "connect.py"), socket, marker], new ChildProcessOptions { WorkingDirectory = "/" });

    private Task<ChildProcessResult> RunAsync(string? stdin, Dictionary<string, string>? environment, params string[] arguments)
    {
        var variables = new Dictionary<string, string>(environment ?? []) { ["GADUGI_AUDIT_LOG"] = _audit, ["GADUGI_SERVICE_DIR"] = _serviceDirectory };
        return ChildProcess.RunAsync("dotnet", [Support.Cli.ProgramPath, .. arguments], new ChildProcessOptions
        {
            WorkingDirectory = _workspace,
            Environment = variables,
            RemoveEnvironment = environment?.ContainsKey("GADUGI_POOL") == true ? [] : ["GADUGI_POOL"],
            Stdin = stdin,
        });
    }

    private (Process Process, Task Ready) StartClient(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = _workspace,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[Support.Cli.ProgramPath, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("GADUGI_POOL");
        start.Environment["GADUGI_AUDIT_LOG"] = _audit;
        start.Environment["GADUGI_SERVICE_DIR"] = _serviceDirectory;
        var process = Process.Start(start)!;
        process.StandardInput.Close();
        return (process, ServiceProcesses.ReadyAsync(process, "the client"));
    }
}
