using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Policies;
using Gadugi.BuildExec.Testing;

namespace Gadugi.BuildExec.Core.Tests.Execution;

/// <summary>
/// How a command ended, for every order of its exit and the engine's "oom" and "die" events that a
/// real engine produced at least once (each race fixed so far is a row), run through the executor on
/// a <see cref="FakeSandboxEngine"/>: no engine, no clock.
/// </summary>
[TestClass]
public sealed class OutcomeTableTests
{
    private static readonly TimeSpan Before = TimeSpan.Zero;

    /// <summary>runc failing before the exec (its process file's folder is gone): the engine's fault.</summary>
    private const string LostTmpdir = "OCI runtime exec failed: open /tmp/gadugi-build.abc/runc-process123: no such file or directory: unknown\r\n";

    /// <summary>runc got to the exec, but the sandbox had stopped meanwhile.</summary>
    private const string StoppedContainer = "OCI runtime exec failed: exec failed: cannot exec in a stopped container: unknown";

    private static UsageSnapshot Pids(ulong current, ulong limit) => new(ResourceUsage.Unknown, null, current, limit);

    private static UsageSnapshot OomKills(long kills) => UsageSnapshot.Unknown with { OomKills = kills };

    public sealed record Row(string Name, FakeScript Script, SandboxRuntime Runtime, int ExitCode, KillReason? Kill, string Events, string? Error = null, string? Calls = null, string? NotCalled = null)
    {
        public override string ToString() => Name;
    }

    public static IEnumerable<object[]> Rows() => new Row[]
    {
        new("the command's own exit 0", new() { ExitCode = 0 }, SandboxRuntime.Runc, 0, null, "", Calls: "archive", NotCalled: "look"),
        new("exit 255 is the command's own: no look for the keeper (fe7056c)", new() { ExitCode = 255 }, SandboxRuntime.Runc, 255, null, "", NotCalled: "look die"),
        new("exit 130 is the command's own: no look for the keeper (fe7056c)", new() { ExitCode = 130 }, SandboxRuntime.Runc, 130, null, "", NotCalled: "look die"),
        new("exit 127 of a missing program, the sandbox alive: the command's own 127 after a short look", new() { ExitCode = 127 }, SandboxRuntime.Runc, 127, null, "", Calls: "look die 250ms"),
        new("keeper missing: the exec is refused and init died with 127 (GBX1206)", new() { ExecRefused = true, DiedAt = Before, DiedExitCode = 127 }, SandboxRuntime.Runc, 0, null, "", Error: "GBX1206"),
        new("keeper missing: the exec started just before init died with 127, exit 127 without oom (59f6610)", new() { ExitCode = 127, DiedAt = TimeSpan.FromMilliseconds(100), DiedExitCode = 127 }, SandboxRuntime.Runc, 0, null, "", Error: "GBX1206", Calls: "look die 250ms"),
        new("keeper missing: no exit at all, init's 127 arrives within 2 s (59f6610)", new() { ExitCode = null, DiedAt = TimeSpan.FromSeconds(1), DiedExitCode = 127 }, SandboxRuntime.Runc, 0, null, "", Error: "GBX1206", Calls: "look die 2000ms"),
        new("exit 126 with the oom event already in: the OOM killer, not the keeper", new() { ExitCode = 126, OomAt = Before }, SandboxRuntime.Runc, 126, null, "oom", NotCalled: "look die 250ms"),
        new("exit 137 with the oom event before the stream ended: OOM kill", new() { ExitCode = 137, OomAt = Before }, SandboxRuntime.Runc, 137, KillReason.Oom, "oom"),
        new("exit 137 with the oom event 300 ms late: still OOM (waits 500 ms)", new() { ExitCode = 137, OomAt = TimeSpan.FromMilliseconds(300) }, SandboxRuntime.Runc, 137, KillReason.Oom, "oom", Calls: "look oom 500ms"),
        new("exit 137 without any oom event: killed, but not for memory", new() { ExitCode = 137 }, SandboxRuntime.Runc, 137, null, "", Calls: "look oom 500ms"),
        new("gVisor: stream cut, the sandbox died of SIGKILL without an oom event (38c9ec2, 8ef47ae)", new() { ExitCode = null, DiedAt = Before, DiedExitCode = 137 }, SandboxRuntime.Gvisor, 137, KillReason.Oom, "oom,sandbox_ended", NotCalled: "look oom 2000ms"),
        new("an exit 0 is never held up: events after it are not waited for", new() { ExitCode = 0, OomAt = TimeSpan.FromMilliseconds(10), DiedAt = TimeSpan.FromMilliseconds(900), DiedExitCode = 137 }, SandboxRuntime.Gvisor, 0, null, "", NotCalled: "look"),
        new("gVisor: oom event in before the exit 0, sandbox dies 900 ms later: OOM, sandbox ended (38c9ec2)", new() { ExitCode = 0, OomAt = Before, DiedAt = TimeSpan.FromMilliseconds(900), DiedExitCode = 137 }, SandboxRuntime.Gvisor, 137, KillReason.Oom, "oom,sandbox_ended", Calls: "look die 2000ms"),
        new("gVisor: oom event in, exit 1, the sandbox does not die: the command's 1 with the oom event", new() { ExitCode = 1, OomAt = Before }, SandboxRuntime.Gvisor, 1, null, "oom", Calls: "look die 2000ms"),
        new("runc: stream cut, the sandbox died of SIGKILL without oom: not assumed OOM under runc, stopped from outside (GBX1006)", new() { ExitCode = null, DiedAt = Before, DiedExitCode = 137 }, SandboxRuntime.Runc, 0, null, "", Error: "GBX1006", Calls: "look oom 2000ms"),
        new("the sandbox died, its oom event trails the die event by 1.5 s: OOM", new() { ExitCode = null, DiedAt = Before, DiedExitCode = 143, OomAt = TimeSpan.FromMilliseconds(1500) }, SandboxRuntime.Runc, 137, KillReason.Oom, "oom,sandbox_ended"),
        new("the sandbox was stopped from outside (init's 143, an engine stop or docker stop) and no oom: GBX1006, /output not copied (8143cad)", new() { ExitCode = null, DiedAt = Before, DiedExitCode = 143 }, SandboxRuntime.Runc, 0, null, "", Error: "GBX1006", Calls: "look oom 2000ms", NotCalled: "archive"),
        new("stopped from outside while the exec stream still reported 0 is not the command's 0 (8143cad)", new() { ExitCode = 0, DiedAt = Before, DiedExitCode = 137 }, SandboxRuntime.Runc, 0, null, "", Error: "GBX1006", NotCalled: "archive"),
        new("the engine could not exec: no process, exit 126, runc's own error as the output (GBX1003, 3470592)", new() { ExitCode = 126, NoProcess = true, Stdout = LostTmpdir }, SandboxRuntime.Runc, 0, null, "", Error: "GBX1003", NotCalled: "look"),
        new("runc's words from a command that had a process are the command's own 126", new() { ExitCode = 126, Stdout = LostTmpdir }, SandboxRuntime.Runc, 126, null, "", Calls: "look die 250ms"),
        new("a missing program (runc got to the exec: 'unable to start container process'): the command's 126, as with docker exec (059c9ca)", new() { ExitCode = 126, NoProcess = true, Stdout = "OCI runtime exec failed: exec failed: unable to start container process: exec: \"nosuchcmd\": executable file not found in $PATH: unknown" }, SandboxRuntime.Runc, 126, null, "", Calls: "look die 250ms,archive"),
        new("'cannot exec in a stopped container', the sandbox stopped from outside: judged by how it ended, GBX1006 (059c9ca)", new() { ExitCode = 126, NoProcess = true, Stdout = StoppedContainer, DiedAt = TimeSpan.FromMilliseconds(100), DiedExitCode = 143 }, SandboxRuntime.Runc, 0, null, "", Error: "GBX1006", Calls: "look die 250ms"),
        new("'cannot exec in a stopped container', the sandbox killed by the OOM killer: judged by how it ended, an OOM kill (059c9ca)", new() { ExitCode = 126, NoProcess = true, Stdout = StoppedContainer, OomAt = TimeSpan.FromMilliseconds(50), DiedAt = TimeSpan.FromMilliseconds(100), DiedExitCode = 137 }, SandboxRuntime.Runc, 137, KillReason.Oom, "oom,sandbox_ended"),
        new("runc's engine-fault words with the sandbox already gone: judged by how it ended, not blamed on the engine", new() { ExitCode = 126, NoProcess = true, Stdout = LostTmpdir, DiedAt = Before, DiedExitCode = 143 }, SandboxRuntime.Runc, 0, null, "", Error: "GBX1006"),
        new("leftovers one slot short of the collection headroom: room is made for the archiver (03b7c0d)", new() { ExitCode = 0, Usage = Pids(249, 256) }, SandboxRuntime.Runc, 0, null, "", Calls: "pids 264,archive"),
        new("leftovers at the pids limit: pids event, room made, /output archived (e4b708a)", new() { ExitCode = 0, Usage = Pids(256, 256) }, SandboxRuntime.Runc, 0, null, "pids_limit", Calls: "pids 264,archive"),
        new("a child OOM-killed under a command that exits 0, the engine's oom event never comes: the cgroup's oom_kill counter tells (doctor under load)", new() { ExitCode = 0, Usage = OomKills(1) }, SandboxRuntime.Runc, 0, null, "oom", Calls: "look die 2000ms,archive"),
        new("the cgroup counts no OOM kill and no event came: no oom event", new() { ExitCode = 0, Usage = OomKills(0) }, SandboxRuntime.Runc, 0, null, ""),
        new("exit 137 and the cgroup counted an OOM kill: an OOM kill without waiting for the late event", new() { ExitCode = 137, Usage = OomKills(1) }, SandboxRuntime.Runc, 137, KillReason.Oom, "oom", NotCalled: "look oom"),
        new("eight free slots are enough for collection: no room made", new() { ExitCode = 0, Usage = Pids(248, 256) }, SandboxRuntime.Runc, 0, null, "", NotCalled: "pids"),
        new("killed for its output, with an oom event too: output_limit first (kill wins)", new() { ExitCode = 137, OomAt = Before, Stdout = new string('x', 2048) }, SandboxRuntime.Runc, 137, KillReason.OutputLimit, "output_limit,oom", Calls: "kill", NotCalled: "look"),
    }.Select(row => new object[] { row });

    public static string RowName(System.Reflection.MethodInfo method, object[] data) => data[0].ToString()!;

    [TestMethod]
    [DynamicData(nameof(Rows), DynamicDataDisplayName = nameof(RowName))]
    public async Task Outcome(Row row)
    {
        using var workspace = new TempDirectory();
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(workspace.Path, (UnixFileMode)0x1ED);
        }

        var engine = new FakeSandboxEngine(row.Script);
        await using var executor = new SandboxExecutor(new ExecutorOptions { Engine = engine, AuditLogPath = null, ReapStaleContainers = false });
        var policy = PolicyDefaults.BuiltIn["shell"] with { Runtime = row.Runtime, OutputLimitBytes = 1024 };
        var request = new ExecutionRequest { Command = ["bash", "-c", "true"], Policy = policy, WorkingDirectory = workspace.Path, OutputDirectory = workspace.Combine("out") };

        if (row.Error is { } code)
        {
            var error = await Assert.ThrowsExactlyAsync<GadugiException>(() => executor.RunAsync(request));
            Assert.AreEqual(code, error.Code, error.Message);
        }
        else
        {
            var result = await executor.RunAsync(request);
            Assert.AreEqual(row.ExitCode, result.ExitCode, "exit code");
            Assert.AreEqual(row.Kill, result.KillReason, "kill reason");
            Assert.AreEqual(row.ExitCode is > 128 and < 160 ? row.ExitCode - 128 : null, result.Signal, "signal");
            Assert.AreEqual(row.Events, string.Join(',', result.Events.Select(e => e.Kind)), "events");
        }

        var calls = engine.Calls;
        foreach (var expected in (row.Calls ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.IsTrue(calls.Contains(expected), $"expected the call '{expected}' in: {string.Join("; ", calls)}");
        }

        foreach (var absent in (row.NotCalled ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.IsFalse(calls.Any(call => call.StartsWith(absent, StringComparison.Ordinal)), $"no call starting '{absent}' expected in: {string.Join("; ", calls)}");
        }

        Assert.AreEqual(0, engine.Alive, "every sandbox is removed");
    }
}
