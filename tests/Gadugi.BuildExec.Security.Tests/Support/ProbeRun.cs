using System.Collections.Concurrent;
using System.Text.Json;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Security.Tests.Support;

/// <summary>One probe's line of output: did the attack reach its goal, and with which errno was it refused.</summary>
/// <remarks><see cref="Error"/>: the probe itself crashed, which proves nothing either way.</remarks>
internal sealed record ProbeOutcome(string Probe, bool Succeeded, int? Errno, JsonElement Detail, bool Error = false)
{
    public string DetailText => Detail.ValueKind == JsonValueKind.String ? Detail.GetString()! : Detail.GetRawText();

    public override string ToString() => $"{Probe}: succeeded={Succeeded} errno={Errno?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"} error={Error} detail={DetailText}";
}

/// <summary>
/// Runs probes.py for one group once per runtime (in one sandbox, through the executor with the
/// default policy) and hands each data-driven test its own probe's line. Keeps the suite fast
/// while every probe is still asserted on its own.
/// </summary>
internal sealed class ProbeRun
{
    private static readonly ConcurrentDictionary<(string, SandboxRuntime), Lazy<Task<ProbeRun>>> Runs = new();

    internal ProbeRun(ExecutionResult result, IReadOnlyDictionary<string, ProbeOutcome> outcomes, string hostSecret)
    {
        Result = result;
        Outcomes = outcomes;
        HostSecret = hostSecret;
    }

    public ExecutionResult Result { get; }

    public IReadOnlyDictionary<string, ProbeOutcome> Outcomes { get; }

    /// <summary>A value placed in this test process's environment before the run; it must never reach the sandbox.</summary>
    public string HostSecret { get; }

    public static Task<ProbeRun> GetAsync(string group, SandboxRuntime runtime) =>
        Runs.GetOrAdd((group, runtime), key => new Lazy<Task<ProbeRun>>(() => RunAsync(key.Item1, key.Item2))).Value;

    /// <summary>A probe's outcome; any test that reads a probe which crashed (error: true) fails.</summary>
    public ProbeOutcome this[string probe] =>
        !Outcomes.TryGetValue(probe, out var outcome)
            ? throw new AssertFailedException($"probe '{probe}' printed nothing (exit {Result.ExitCode}); stderr: {Result.Stderr.Text}")
            : outcome.Error
                ? throw new AssertFailedException("the probe crashed, so it proves nothing: " + outcome)
                : outcome;

    /// <summary>The attack did not reach its goal, and (when given) it was refused with one of <paramref name="errnos"/>.</summary>
    public ProbeOutcome AssertRefused(string probe, params int[] errnos)
    {
        var outcome = this[probe];
        Assert.IsFalse(outcome.Succeeded, "ATTACK SUCCEEDED: " + outcome);
        if (errnos.Length > 0)
        {
            Assert.IsNotNull(outcome.Errno, "refusal without an errno: " + outcome);
            CollectionAssert.Contains(errnos, outcome.Errno!.Value, $"refused with an unexpected errno: {outcome}");
        }

        return outcome;
    }

    private static async Task<ProbeRun> RunAsync(string group, SandboxRuntime runtime)
    {
        var secret = "gadugi-host-secret-" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable("GADUGI_SECURITY_TEST_SECRET", secret);
        await using var attack = new Attack(runtime);
        var input = attack.MakeDirectory("input");

        // Writable by the sandbox user but for the read-only mounts, so only those can refuse a write.
        attack.WritableWorkspace();
        File.SetUnixFileMode(input, (UnixFileMode)0x1FF);

        // The host group looks for System V segments: make sure the host has one it could see; the
        // network group tries the host's loopback: make sure something listens there.
        using var segment = group == "host" ? HostIpcSegment.Create() : null;
        using var loopback = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        loopback.Start();
        await File.WriteAllTextAsync(Path.Combine(attack.Workspace, "context.json"), JsonSerializer.Serialize(new
        {
            host_shm_id = segment?.Id,
            host_loopback_port = ((System.Net.IPEndPoint)loopback.LocalEndpoint).Port,
            gateway = await DockerBridge.GatewayAsync(),
            host_hostname = Environment.MachineName,
            host_namespaces = new[] { "ipc", "uts", "pid", "net", "mnt", "cgroup" }.ToDictionary(ns => ns, ns => new FileInfo($"/proc/self/ns/{ns}").LinkTarget),
        }));

        var result = await attack.RunAsync(new ExecutionRequest
        {
            Command = ["python3", "/workspace/probes.py", group],
            Policy = attack.Policy("python"),
            WorkingDirectory = attack.Workspace,
            InputDirectory = input,
        });

        var outcomes = Parse(result.Stdout.Text);
        Assert.AreEqual(0, result.ExitCode, $"the {group} probes crashed: {result.Stderr.Text}");
        return new ProbeRun(result, outcomes, secret);
    }

    /// <summary>probes.py's JSON lines, one outcome per probe.</summary>
    internal static Dictionary<string, ProbeOutcome> Parse(string stdout)
    {
        var outcomes = new Dictionary<string, ProbeOutcome>(StringComparer.Ordinal);
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            var name = root.GetProperty("probe").GetString()!;
            outcomes[name] = new ProbeOutcome(
                name,
                root.GetProperty("succeeded").GetBoolean(),
                root.GetProperty("errno").ValueKind == JsonValueKind.Number ? root.GetProperty("errno").GetInt32() : null,
                root.GetProperty("detail").Clone(),
                root.GetProperty("error").GetBoolean());
        }

        return outcomes;
    }
}
