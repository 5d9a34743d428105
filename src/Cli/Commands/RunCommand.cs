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
    public static Command Create() => Create(out _);

    public static Command Create(out RunOptions options)
    {
        var o = options = new RunOptions();
        var run = new Command("run", "Run a command in a fresh hardened sandbox and exit with its exit code (124 timeout, 137 killed, 125 engine or policy error).")
        {
            o.Policy, o.PolicyFile, o.Input, o.Output, o.Workdir, o.Timeout, o.Memory, o.Cpus, o.Network, o.Env, o.AuditLog, o.AllowHome, o.Json, o.ResultJson, o.Tty, o.NoTty, o.StopTimeout, o.Verbose, o.MaxConcurrency, o.NoPool, o.Command,
        };

        // Signals are this command's own (RunSignals), not System.CommandLine's: Program.cs lets them through.
        run.SetAction((parse, _) => ExecuteAsync(parse, o, RunHost.Direct()));
        return run;
    }

    /// <summary>
    /// One run as <paramref name="host"/> sees it: this process's streams, directory and signals, or those
    /// of a thin client the background service serves.
    /// </summary>
    public static async Task<int> ExecuteAsync(ParseResult parse, RunOptions o, RunHost host)
    {
        using var cancel = new CancellationTokenSource();
        using var hostGone = host.Gone.Register(cancel.Cancel);
        int? signal = null;
        try
        {
            var asJson = parse.GetValue(o.Json);
            var terminal = parse.GetValue(o.NoTty) ? null
                : parse.GetValue(o.Tty) || host.StdinAndStdoutAreTerminals ? host.TerminalSize() : null;
            var control = new CommandControl { StopTimeout = StopTimeout(parse.GetValue(o.StopTimeout)) };
            var request = ExecutionRequests.Create(new RunSettings
            {
                Caller = CallerConventions.CommandLine,
                Command = parse.GetValue(o.Command)!,
                Policy = parse.GetValue(o.Policy),
                PolicyFile = host.FullPath(parse.GetValue(o.PolicyFile)),
                BaseDirectory = host.BaseDirectory,
                WorkingDirectory = host.FullPath(parse.GetValue(o.Workdir)),
                InputDirectory = host.FullPath(parse.GetValue(o.Input)),
                OutputDirectory = host.FullPath(parse.GetValue(o.Output)),
                Overrides = new PolicyOverrides { Timeout = parse.GetValue(o.Timeout), Memory = parse.GetValue(o.Memory), Cpus = parse.GetValue(o.Cpus), Network = parse.GetValue(o.Network) },
                Environment = parse.GetValue(o.Env) ?? [],
                AllowHomeDirectory = parse.GetValue(o.AllowHome),
                StandardInput = host.Input,
                Output = asJson ? new StreamOutputSink(host.Error, host.Error) : new StreamOutputSink(host.Output, host.Error),
            }) with
            {
                Terminal = terminal,
                Control = control,
            };

            ExecutionResult result;
            await using (var lease = host.Executors.Lease(host.FullPath(parse.GetValue(o.AuditLog)), parse.GetValue(o.MaxConcurrency), parse.GetValue(o.Verbose), ExecutorSlots.Runs))
            using (var signals = host.ListenForSignals(new RunSignalTarget(control, cancel), terminal is not null))
            using (terminal is null ? null : host.RawMode())
            {
                try
                {
                    result = await lease.Executor.RunAsync(request, cancel.Token).ConfigureAwait(false);
                }
                finally
                {
                    signal = signals.Received;
                }
            }

            if (asJson)
            {
                await ResultJson.WriteAsync(host.Output, result, host.Path).ConfigureAwait(false);
            }

            var exitCode = ExitCode(result, signal);
            ReportKill(result, exitCode, host.Messages);
            return await WriteResultFileAsync(host.FullPath(parse.GetValue(o.ResultJson)), result, host).ConfigureAwait(false) ?? exitCode;
        }
        catch (GadugiException ex)
        {
            return CliConsole.ReportError(ex, host.Messages);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            host.Messages.WriteLine("gadugi-exec: cancelled before the command started");
            return signal is { } number ? 128 + number : CliExitCodes.Cancelled;
        }
        catch (Exception ex)
        {
            // Anything else is a bug, but still a coded 125: a caller must never mistake it for the command's own exit.
            return CliConsole.ReportUnexpected(ex, host.Messages);
        }
    }

    /// <summary>
    /// A command line 'run' cannot parse exits 125 with GBX2051 (not System.CommandLine's 1, which a
    /// caller could not tell from the command's own exit 1). Null when there is nothing to report.
    /// </summary>
    public static int? ReportParseErrors(ParseResult parsed, Command run, TextWriter? messages = null)
    {
        messages ??= Console.Error;
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
            messages.WriteLine($"gadugi-exec: error {Diagnostic.Create(nameof(DiagnosticMessages.CommandLineInvalid), run.Name, error)}");
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
    private static async Task<int?> WriteResultFileAsync(string? file, ExecutionResult result, RunHost host)
    {
        if (file is null)
        {
            return null;
        }

        try
        {
            await using var stream = File.Create(file);
            await ResultJson.WriteAsync(stream, result, host.Path).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return CliConsole.ReportError(new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.ResultJsonUnwritable), file, ex.Message.TrimEnd('.'))), host.Messages);
        }
    }

    private static void ReportKill(ExecutionResult result, int exitCode, TextWriter messages)
    {
        if (result.KillReason is { } reason)
        {
            messages.WriteLine($"gadugi-exec: {RunWording.Killed(reason)} (execution {result.ExecutionId}, exit {exitCode})");
        }

        if (!result.Sandboxed)
        {
            messages.WriteLine($"gadugi-exec: WARNING: this command {RunWording.Unsandboxed(result.Policy)}.");
        }
    }
}

internal static class ResultJson
{
    public static JsonSerializerOptions Options { get; } = new(AuditChain.JsonOptions) { WriteIndented = true };

    /// <summary>The result record, with <c>path</c>: how this CLI ran it (<c>pooled</c>: the service, in a sandbox prepared ahead; <c>service</c>; or <c>direct</c>).</summary>
    public static async Task WriteAsync(Stream stream, ExecutionResult result, string path)
    {
        var record = JsonSerializer.SerializeToNode(result, Options)!.AsObject();
        record["path"] = result.Pooled ? "pooled" : path;
        await JsonSerializer.SerializeAsync(stream, record, Options, CancellationToken.None).ConfigureAwait(false);
        await stream.WriteAsync("\n"u8.ToArray(), CancellationToken.None).ConfigureAwait(false);
        await stream.FlushAsync(CancellationToken.None).ConfigureAwait(false);
    }
}
