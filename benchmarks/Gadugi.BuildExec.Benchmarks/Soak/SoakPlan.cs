using System.Globalization;

namespace Gadugi.BuildExec.Benchmarks.Soak;

/// <summary>What one soak execution should end as, in the words the report uses.</summary>
internal static class Outcome
{
    public const string Success = "exit 0";
    public const string Exit3 = "exit 3";
    public const string Timeout = "timeout";
    public const string Oom = "oom";
    public const string OutputLimit = "output_limit";
    public const string Cancelled = "cancelled";
    public const string Abandoned = "abandoned";
}

/// <summary>One execution of the soak: which policy, which command, how it is run, and how it must end.</summary>
/// <param name="Number">Position in the plan; the command carries it as a marker argument ("soak-N"), so its audit records can be found.</param>
/// <param name="Kind">The mix's name for it: success, exit3, timeout, oom, flood, forkbomb, cancel, allowlist.</param>
/// <param name="Policy">A policy of the soak's policy file.</param>
/// <param name="ViaCli">Run by a gadugi-exec process rather than the soak's own executor.</param>
internal sealed record SoakCase(int Number, string Kind, string Policy, IReadOnlyList<string> Command, string Expected, bool ViaCli)
{
    /// <summary>What a successful run must print, when it must print something.</summary>
    public string? ExpectedStdout { get; init; }

    public string Marker => "soak-" + Number.ToString(CultureInfo.InvariantCulture);

    /// <summary>The command with its marker as the last argument ($0 of bash -c, sys.argv[1] of python -c: unused by the script).</summary>
    public IReadOnlyList<string> Argv => [.. Command, Marker];

    public bool Cancels => Kind == "cancel";
}

/// <summary>
/// The mix: every 20 executions hold each policy (python, shell, gvisor, an allowlist network) and
/// each outcome (success, exit 3, timeout, OOM, output flood, fork bomb, cancel); every tenth runs
/// through a gadugi-exec process, as agents and hooks run it.
/// </summary>
internal static class SoakPlan
{
    private const string Python = "python3";

    private static readonly string[] Rotation =
    [
        "success-shell", "success-python", "exit3", "success-gvisor", "oom", "allowlist", "flood", "cancel", "success-shell", "timeout",
        "success-python", "exit3-gvisor", "forkbomb", "success-shell", "allowlist", "oom", "success-gvisor", "flood", "cancel", "success-python",
    ];

    /// <summary>The plan of <paramref name="runs"/> executions; allowlist runs fetch a word from <paramref name="host"/>:<paramref name="port"/>.</summary>
    public static IReadOnlyList<SoakCase> Build(int runs, string host, int port) =>
        Enumerable.Range(0, runs).Select(number =>
        {
            var kind = Rotation[number % Rotation.Length];
            return Case(number, kind, viaCli: number % 10 == 9 && CliCapable(kind), host, port);
        }).ToArray();

    /// <summary>The execution the SIGKILL fault hits: a CLI whose command would run for ten minutes.</summary>
    public static SoakCase Victim(int number) => new(number, "killed", "shell", ["bash", "-c", "sleep 600"], Outcome.Abandoned, ViaCli: true);

    /// <summary>The soak's policy file: what differs from the built-in policies is only what each outcome needs.</summary>
    public static string PolicyFile(string allowedDestination) => $$"""
        policies:
          shell: { timeout: "60s" }
          python: { timeout: "60s" }
          gvisor: { image: "gadugi/shell:5.2", runtime: gvisor, timeout: "60s" }
          allowlist: { image: "gadugi/python:3.11", network: { allow: ["{{allowedDestination}}"] }, timeout: "60s" }
          short: { image: "gadugi/shell:5.2", timeout: "2s" }
          small: { image: "gadugi/python:3.11", memory: "64m", timeout: "60s" }
          flood: { image: "gadugi/shell:5.2", output_limit: "1m", timeout: "60s" }
          forkbomb: { image: "gadugi/python:3.11", pids: 64, timeout: "4s" }
        """;

    // A cancelled run needs the caller's token, which a CLI process gets only as a signal.
    private static bool CliCapable(string kind) => kind != "cancel";

    private static SoakCase Case(int number, string kind, bool viaCli, string host, int port) => kind switch
    {
        "success-shell" => new(number, "success", "shell", ["bash", "-c", "echo ok"], Outcome.Success, viaCli) { ExpectedStdout = "ok\n" },
        "success-python" => new(number, "success", "python", [Python, "-c", "print('ok')"], Outcome.Success, viaCli) { ExpectedStdout = "ok\n" },
        "success-gvisor" => new(number, "success", "gvisor", ["bash", "-c", "echo ok"], Outcome.Success, viaCli) { ExpectedStdout = "ok\n" },
        "exit3" => new(number, "exit3", "shell", ["bash", "-c", "echo failing >&2; exit 3"], Outcome.Exit3, viaCli),
        "exit3-gvisor" => new(number, "exit3", "gvisor", ["bash", "-c", "exit 3"], Outcome.Exit3, viaCli),
        "timeout" => new(number, "timeout", "short", ["bash", "-c", "sleep 30"], Outcome.Timeout, viaCli),
        "oom" => new(number, "oom", "small", [Python, "-c", "b = []\nwhile True: b.append(bytearray(8 << 20))"], Outcome.Oom, viaCli),
        "flood" => new(number, "flood", "flood", ["bash", "-c", "yes flooding-the-output"], Outcome.OutputLimit, viaCli),

        // Every process forks for as long as the pids limit lets it, and none ever exits: only the timeout ends it.
        "forkbomb" => new(number, "forkbomb", "forkbomb", [Python, "-c", "import os, time\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        time.sleep(0.05)"], Outcome.Timeout, viaCli),
        "cancel" => new(number, "cancel", "shell", ["bash", "-c", "sleep 30"], Outcome.Cancelled, ViaCli: false),
        "allowlist" => new(number, "allowlist", "allowlist", [Python, "-c", $"import socket\ns = socket.create_connection(('{host}', {port}), timeout=10)\nprint(s.recv(16).decode().strip())"], Outcome.Success, viaCli) { ExpectedStdout = "pong\n" },
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not in the mix"),
    };
}
