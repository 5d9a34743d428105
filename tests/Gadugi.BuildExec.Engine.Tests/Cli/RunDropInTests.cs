using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Gadugi.BuildExec.Engine.Tests.Cli;

/// <summary>
/// gadugi-exec run as a drop-in for running the command directly: a real signal sent to the CLI's
/// process reaches the command's trap and its exit code comes back as bash would give it; a terminal
/// is there when the caller has one; --json keeps the live output.
/// </summary>
[TestClass]
public sealed class RunDropInTests
{
    private string _workspace = string.Empty;
    private string _audit = string.Empty;

    [TestInitialize]
    public void CreateWorkspace()
    {
        _workspace = Directory.CreateTempSubdirectory("gadugi-dropin-test-").FullName;
        File.SetUnixFileMode(_workspace, (UnixFileMode)0x1ED);
        _audit = Path.Combine(_workspace, ".audit", "audit.jsonl");
    }

    [TestCleanup]
    public void DeleteWorkspace() => Directory.Delete(_workspace, recursive: true);

    [TestMethod]
    public async Task A_trap_on_TERM_runs_and_its_exit_code_comes_back_as_with_bash()
    {
        File.WriteAllText(Path.Combine(_workspace, "trap.sh"), """
            trap 'echo "trapped TERM"; exit 3' TERM
            echo ready
            sleep 60 & wait
            """);

        var direct = await SignalledAsync(["bash", "trap.sh"], signal: "TERM");
        var sandboxed = await SignalledAsync(CliArguments("--policy", "shell", "--", "bash", "trap.sh"), signal: "TERM");

        Assert.AreEqual(3, direct.ExitCode, direct.Output);
        Assert.AreEqual(direct.ExitCode, sandboxed.ExitCode, sandboxed.Output);
        Assert.AreEqual("ready\ntrapped TERM\n", sandboxed.Stdout, sandboxed.Output);
        StringAssert.Contains(File.ReadAllText(_audit), "\"signal_forwarded\",\"detail\":\"SIGTERM forwarded to the command");
    }

    [TestMethod]
    public async Task SIGTERM_without_a_trap_gives_143_and_SIGINT_130_as_with_bash()
    {
        File.WriteAllText(Path.Combine(_workspace, "plain.sh"), """
            echo ready
            sleep 60
            """);

        var term = await SignalledAsync(CliArguments("--policy", "shell", "--", "bash", "plain.sh"), signal: "TERM");
        var interrupt = await SignalledAsync(CliArguments("--policy", "shell", "--", "bash", "plain.sh"), signal: "INT");

        Assert.AreEqual(143, term.ExitCode, term.Output);
        Assert.AreEqual(130, interrupt.ExitCode, interrupt.Output);
    }

    [TestMethod]
    public async Task A_command_that_ignores_the_signal_is_killed_at_the_stop_timeout_with_128_plus_the_signal()
    {
        File.WriteAllText(Path.Combine(_workspace, "stubborn.sh"), """
            trap 'echo "not stopping"' TERM
            echo ready
            while true; do sleep 1; done
            """);

        var clock = Stopwatch.StartNew();
        var outcome = await SignalledAsync(CliArguments("--policy", "shell", "--stop-timeout", "2s", "--", "bash", "stubborn.sh"), signal: "TERM");

        Assert.AreEqual(143, outcome.ExitCode, outcome.Output);
        StringAssert.Contains(outcome.Stdout, "not stopping", "the trap ran before the kill");
        StringAssert.Contains(outcome.Stderr, "killed: cancelled");
        Assert.IsTrue(clock.Elapsed < TimeSpan.FromSeconds(50), "the stop timeout ended it, not the policy's timeout");
    }

    [TestMethod]
    public async Task The_command_sees_a_terminal_under_script_and_none_without()
    {
        var probe = "import sys; print(sys.stdin.isatty(), sys.stdout.isatty())";
        var command = string.Join(' ', new[] { "dotnet", Support.Cli.ProgramPath, "run", "--policy", "python", "--", "python3", "-c", $"'{probe}'" });

        var underScript = await ChildProcess.RunAsync("script", ["-qec", command, "/dev/null"], new ChildProcessOptions { WorkingDirectory = _workspace, Environment = Support.Cli.AuditTo(_audit) });
        var piped = await Support.Cli.RunAsync(_workspace, Support.Cli.AuditTo(_audit), null, "run", "--policy", "python", "--", "python3", "-c", probe);
        var refused = await ChildProcess.RunAsync("script", ["-qec", command.Replace(" run ", " run --no-tty ", StringComparison.Ordinal), "/dev/null"], new ChildProcessOptions { WorkingDirectory = _workspace, Environment = Support.Cli.AuditTo(_audit) });

        Assert.AreEqual(0, underScript.ExitCode, underScript.Output);
        StringAssert.Contains(underScript.Stdout, "True True", underScript.Output);
        Assert.AreEqual(0, piped.ExitCode, piped.Output);
        Assert.AreEqual("False False\n", piped.Stdout, piped.Output);
        StringAssert.Contains(refused.Stdout, "False False", refused.Output);
    }

    [TestMethod]
    public async Task Json_keeps_the_live_output_and_result_json_writes_the_record_too()
    {
        var resultFile = Path.Combine(_workspace, "result.json");

        var outcome = await Support.Cli.RunAsync(_workspace, Support.Cli.AuditTo(_audit), null, "run", "--json", "--result-json", resultFile, "--policy", "shell", "--", "sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 4");
        var plain = await Support.Cli.RunAsync(_workspace, Support.Cli.AuditTo(_audit), null, "run", "--result-json", resultFile, "--policy", "shell", "--", "sh", "-c", "echo to-stdout; echo to-stderr >&2");

        Assert.AreEqual(4, outcome.ExitCode, outcome.Output);
        using var printed = JsonDocument.Parse(outcome.Stdout);
        Assert.AreEqual(4, printed.RootElement.GetProperty("exit_code").GetInt32());
        StringAssert.Contains(outcome.Stderr, "to-stdout\n", "the command's stdout still streams live (on stderr, beside the JSON)");
        StringAssert.Contains(outcome.Stderr, "to-stderr\n");
        var phases = printed.RootElement.GetProperty("phases").EnumerateObject().ToDictionary(phase => phase.Name, phase => TimeSpan.Parse(phase.Value.GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        CollectionAssert.AreEquivalent(new[] { "queue", "connect", "create", "start", "exec", "wait", "collect", "remove", "audit" }, phases.Keys.ToArray());
        Assert.IsTrue(phases["create"] > TimeSpan.Zero && phases["wait"] > TimeSpan.Zero && phases["remove"] > TimeSpan.Zero, string.Join(", ", phases));

        Assert.AreEqual(0, plain.ExitCode, plain.Output);
        Assert.AreEqual("to-stdout\n", plain.Stdout);
        Assert.AreEqual("to-stderr\n", plain.Stderr);
        using var written = JsonDocument.Parse(File.ReadAllText(resultFile));
        Assert.AreEqual(0, written.RootElement.GetProperty("exit_code").GetInt32());
        StringAssert.Contains(written.RootElement.GetProperty("stdout").GetProperty("text").GetString(), "to-stdout");
    }

    private static string[] CliArguments(params string[] run) => ["dotnet", Support.Cli.ProgramPath, "run", .. run];

    /// <summary>Starts the program, waits for its "ready" line, sends it a real signal with kill(1) and waits for it to end.</summary>
    private async Task<ChildProcessResult> SignalledAsync(string[] argv, string signal)
    {
        // Through env(1), which execs it with SIGINT and SIGQUIT at their defaults: a test run started in
        // the background of a non-interactive shell (`.ci/run &`) inherits them ignored, and an ignored
        // SIGINT stays ignored across exec, in .NET as in bash.
        var startInfo = new ProcessStartInfo("env")
        {
            WorkingDirectory = _workspace,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add("--default-signal=INT,QUIT");
        foreach (var argument in argv)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment["GADUGI_AUDIT_LOG"] = _audit;
        using var process = Process.Start(startInfo)!;
        process.StandardInput.Close();
        var stdout = new StringBuilder();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = Task.Run(async () =>
        {
            var buffer = new char[4096];
            int count;
            while ((count = await process.StandardOutput.ReadAsync(buffer)) > 0)
            {
                lock (stdout)
                {
                    stdout.Append(buffer, 0, count);
                    if (stdout.ToString().Contains("ready\n", StringComparison.Ordinal))
                    {
                        ready.TrySetResult();
                    }
                }
            }

            ready.TrySetResult();
        });
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await ready.Task.WaitAsync(limit.Token);
            using (var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
            {
                await kill.WaitForExitAsync(limit.Token);
            }

            await process.WaitForExitAsync(limit.Token);
            await reading;
            var error = await stderr;
            return new ChildProcessResult(process.ExitCode, stdout.ToString(), error, stdout + error);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
