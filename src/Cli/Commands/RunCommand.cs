using System.CommandLine;
using System.Text.Json;
using Gadugi.BuildExec.Core.Audit;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Policies;
using Gadugi.BuildExec.Core.Requests;
using Gadugi.BuildExec.Cli.Run;


namespace Gadugi.BuildExec.Cli.Commands;

/// <summary>gadugi-exec run [options] -- COMMAND [ARGS...]: a drop-in for running the command directly.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var policy = new Option<string>("--policy") { Description = "Policy to apply (built-in: python, node, shell, multi).", DefaultValueFactory = _ => PolicyDefaults.DefaultPolicyName };
        var policyFile = new Option<FileInfo?>("--policy-file") { Description = "YAML policy file (policies: <name>: {...}); defaults to $GADUGI_POLICY_FILE." };
        var input = new Option<DirectoryInfo?>("--input") { Description = "Host directory mounted read-only at /input." };
        var output = new Option<DirectoryInfo?>("--output") { Description = "Host directory that receives what the command writes to /output." };
        var workdir = new Option<DirectoryInfo?>("--workdir") { Description = "Host directory mounted at /workspace and used as the working directory (default: current)." };
        var timeout = new Option<string?>("--timeout") { Description = "Override the policy's timeout, e.g. 90s or 30m." };
        var memory = new Option<string?>("--memory") { Description = "Override the policy's memory limit, e.g. 512m." };
        var cpus = new Option<string?>("--cpus") { Description = "Override the policy's CPU limit, e.g. 1.5." };
        var network = new Option<string?>("--network") { Description = "Override the policy's network: none or bridge." };
        var env = new Option<string[]>("--env") { Description = "NAME=VALUE, or NAME alone to copy your own value of that variable (only the names given are passed), for a variable the policy allows. Repeatable.", AllowMultipleArgumentsPerToken = false };
        var auditLog = new Option<FileInfo?>("--audit-log") { Description = "Audit log (JSON Lines). Default: $GADUGI_AUDIT_LOG or ~/.local/state/gadugi/audit.jsonl." };
        var allowHome = new Option<bool>("--allow-home") { Description = "Allow the working or input directory to be your home directory or above it (refused otherwise: the sandbox would see every key and token there)." };
        var json = new Option<bool>("--json") { Description = "Print the result record as JSON on stdout; the command's output still streams live, both streams on stderr." };
        var resultJson = new Option<FileInfo?>("--result-json") { Description = "Also write the result record as JSON to this file (the command's output streams as usual)." };
        var tty = new Option<bool>("--tty", "-t") { Description = "Give the command a terminal (default: when stdin and stdout are terminals). Its stdout and stderr then arrive as one stream." };
        var noTty = new Option<bool>("--no-tty") { Description = "Never give the command a terminal." };
        var stopTimeout = new Option<string?>("--stop-timeout") { Description = "After forwarding SIGINT, SIGTERM, SIGHUP or SIGQUIT to the command, how long it may take to end before its sandbox is killed: seconds or e.g. 500ms, 2m. Default 10s." };
        var verbose = new Option<bool>("--verbose") { Description = "Log each step on stderr." };
        var maxConcurrency = new Option<int>("--max-concurrency")
        {
            Description = "Sandboxes running at once on this machine, across all gadugi-exec processes; more wait their turn. Default: $GADUGI_MAX_CONCURRENCY or 10.",
            DefaultValueFactory = _ => ExecutorOptionsBuilder.MachineConcurrency(),
        };
        var command = new Argument<string[]>("command") { Arity = ArgumentArity.OneOrMore, Description = "The command and its arguments, after '--'." };

        var run = new Command("run", "Run a command in a fresh hardened sandbox and exit with its exit code (124 timeout, 137 killed, 125 engine or policy error).")
        {
            policy, policyFile, input, output, workdir, timeout, memory, cpus, network, env, auditLog, allowHome, json, resultJson, tty, noTty, stopTimeout, verbose, maxConcurrency, command,
        };

        run.SetAction(async (parse, _) =>
        {
            // Signals are this command's own (RunSignals), not System.CommandLine's: Program.cs lets them through.
            using var cancel = new CancellationTokenSource();
            int? signal = null;
            try
            {
                var asJson = parse.GetValue(json);
                var terminal = parse.GetValue(noTty) ? null
                    : parse.GetValue(tty) || HostTerminal.StdinAndStdoutAreTerminals ? HostTerminal.Size() : null;
                var control = new CommandControl { StopTimeout = StopTimeout(parse.GetValue(stopTimeout)) };
                var stdout = StandardStreams.Output();
                var stderr = StandardStreams.Error();
                var request = ExecutionRequests.Create(new RunSettings
                {
                    Caller = CallerConventions.CommandLine,
                    Command = parse.GetValue(command)!,
                    Policy = parse.GetValue(policy),
                    PolicyFile = parse.GetValue(policyFile)?.FullName,
                    WorkingDirectory = parse.GetValue(workdir)?.FullName,
                    InputDirectory = parse.GetValue(input)?.FullName,
                    OutputDirectory = parse.GetValue(output)?.FullName,
                    Overrides = new PolicyOverrides { Timeout = parse.GetValue(timeout), Memory = parse.GetValue(memory), Cpus = parse.GetValue(cpus), Network = parse.GetValue(network) },
                    Environment = parse.GetValue(env) ?? [],
                    AllowHomeDirectory = parse.GetValue(allowHome),
                    StandardInput = StandardStreams.Input(),
                    Output = asJson ? new StreamOutputSink(stderr, stderr) : new StreamOutputSink(stdout, stderr),
                }) with
                {
                    Terminal = terminal,
                    Control = control,
                };

                using var loggerFactory = CliConsole.CreateLoggerFactory(parse.GetValue(verbose));
                await using var executor = new SandboxExecutor(ExecutorOptionsBuilder.Build(parse.GetValue(auditLog)?.FullName, maxConcurrency: parse.GetValue(maxConcurrency)), loggerFactory);
                ExecutionResult result;
                using (var signals = new RunSignals(control, cancel, resizeTerminal: terminal is not null))
                using (terminal is null ? null : HostTerminal.RawMode())
                {
                    try
                    {
                        result = await executor.RunAsync(request, cancel.Token).ConfigureAwait(false);
                    }
                    finally
                    {
                        signal = signals.Received;
                    }
                }

                if (asJson)
                {
                    await JsonSerializer.SerializeAsync(stdout, result, ResultJson.Options, CancellationToken.None).ConfigureAwait(false);
                    await stdout.WriteAsync("\n"u8.ToArray(), CancellationToken.None).ConfigureAwait(false);
                }

                var exitCode = ExitCode(result, signal);
                ReportKill(result, exitCode);
                return await WriteResultFileAsync(parse.GetValue(resultJson), result).ConfigureAwait(false) ?? exitCode;
            }
            catch (GadugiException ex)
            {
                return CliConsole.ReportError(ex);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                Console.Error.WriteLine("gadugi-exec: cancelled before the command started");
                return signal is { } number ? 128 + number : CliExitCodes.Cancelled;
            }
            catch (Exception ex)
            {
                // Anything else is a bug, but still a coded 125: a caller must never mistake it for the command's own exit.
                return CliConsole.ReportUnexpected(ex);
            }
        });
        return run;
    }

    /// <summary>
    /// A command line 'run' cannot parse exits 125 with GBX2051 (not System.CommandLine's 1, which a
    /// caller could not tell from the command's own exit 1). Null when there is nothing to report.
    /// </summary>
    public static int? ReportParseErrors(ParseResult parsed, Command run)
    {
        // 'run --help' has no command to run: help is what was asked for, not an error.
        if (parsed.CommandResult.Command != run || parsed.Action is System.CommandLine.Help.HelpAction)
        {
            return null;
        }

        var errors = parsed.Errors.Select(error => error.Message.TrimEnd('.')).ToList();

        // An unknown option before '--' would otherwise become the command to run ('-- -x' still runs '-x').
        if (errors.Count == 0 && parsed.GetValue<string[]>("command") is [var first, ..] && first.StartsWith('-') && !FollowsDoubleDash(parsed, first))
        {
            errors.Add($"Unrecognized option '{first}'");
        }

        foreach (var error in errors)
        {
            Console.Error.WriteLine($"gadugi-exec: error {Diagnostic.Create(nameof(DiagnosticMessages.CommandLineInvalid), run.Name, error)}");
        }

        return errors.Count == 0 ? null : CliExitCodes.EngineOrPolicyError;
    }

    internal static PolicySet LoadPolicies(FileInfo? file) =>
        ExecutionRequests.LoadPolicies(new RunSettings { Caller = CallerConventions.CommandLine, Command = [], PolicyFile = file?.FullName });

    private static bool FollowsDoubleDash(ParseResult parsed, string first)
    {
        var tokens = parsed.Tokens;
        for (var i = 0; i < tokens.Count - 1; i++)
        {
            if (tokens[i].Type == System.CommandLine.Parsing.TokenType.DoubleDash)
            {
                return tokens[i + 1].Value == first;
            }
        }

        return false;
    }

    /// <summary>
    /// As bash reports a command it signalled: the command's own code when it ended by itself (its trap's,
    /// or 128+n when the signal ended it), 128+n when it was still running at the stop timeout.
    /// </summary>
    internal static int ExitCode(ExecutionResult result, int? signal) =>
        result.KillReason == KillReason.Cancelled && signal is { } number ? 128 + number : CliExitCodes.For(result);

    private static TimeSpan StopTimeout(string? text)
    {
        if (text is null)
        {
            return CommandControl.DefaultStopTimeout;
        }

        var trimmed = text.Trim();
        var duration = trimmed.Length > 0 && trimmed.All(char.IsAsciiDigit) && int.TryParse(trimmed, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : PolicyValueParser.ParseDuration(trimmed);
        return duration ?? throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.StopTimeoutInvalid), text));
    }

    /// <summary>Writes the result to --result-json; GBX2061's 125 when that fails (null otherwise).</summary>
    private static async Task<int?> WriteResultFileAsync(FileInfo? file, ExecutionResult result)
    {
        if (file is null)
        {
            return null;
        }

        try
        {
            await using var stream = file.Create();
            await JsonSerializer.SerializeAsync(stream, result, ResultJson.Options, CancellationToken.None).ConfigureAwait(false);
            await stream.WriteAsync("\n"u8.ToArray(), CancellationToken.None).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return CliConsole.ReportError(new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.ResultJsonUnwritable), file.FullName, ex.Message.TrimEnd('.'))));
        }
    }

    private static void ReportKill(ExecutionResult result, int exitCode)
    {
        if (result.KillReason is { } reason)
        {
            Console.Error.WriteLine($"gadugi-exec: {RunWording.Killed(reason)} (execution {result.ExecutionId}, exit {exitCode})");
        }

        if (!result.Sandboxed)
        {
            Console.Error.WriteLine($"gadugi-exec: WARNING: this command {RunWording.Unsandboxed(result.Policy)}.");
        }
    }
}

internal static class ResultJson
{
    public static JsonSerializerOptions Options { get; } = new(AuditChain.JsonOptions) { WriteIndented = true };
}
