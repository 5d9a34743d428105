using System.CommandLine;
using System.Text.Json;
using Gadugi.BuildExec.Cli.Run;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Policies;
using Gadugi.BuildExec.Core.Requests;

namespace Gadugi.BuildExec.Cli.Commands;

/// <summary>
/// gadugi-exec hook [--on-error block|allow] [run options] -- COMMAND: a Claude Code hook in a sandbox
/// that fails closed. Claude blocks a tool call only on exit 2 and goes ahead on any other non-zero
/// exit, so the hook's own exit codes pass unchanged, and the executor's own failures (no engine, no
/// image, a timeout, a kill) become exit 2 with a coded reason on stderr — or, with --on-error allow,
/// exit 0 with a warning. Hooks take their own machine-wide slots, never queueing behind long phases.
/// </summary>
internal static class HookCommand
{
    public const int Block = HookFailure.Block;

    /// <summary>The audit record's tag that says how the hook was served: <c>direct</c> or <c>service</c>.</summary>
    public const string PathTag = "hook.path";

    public static Command Create() => Create(out _);

    public static Command Create(out HookOptions options)
    {
        var o = options = new HookOptions();
        var hook = new Command("hook", "Run a Claude Code hook in a sandbox, failing closed: the hook's exit codes unchanged, the executor's own failures exit 2 with a coded reason.")
        {
            o.OnError, o.Policy, o.PolicyFile, o.Workdir, o.Timeout, o.Env, o.AuditLog, o.NoPool, o.Command,
        };

        // Signals are this command's own (they cancel the hook: Program.cs lets them through).
        hook.SetAction((parse, _) => ExecuteAsync(parse, o, RunHost.Direct()));
        return hook;
    }

    /// <summary>Whether an executor failure lets the tool call through (<c>--on-error allow</c>).</summary>
    public static bool Allows(ParseResult parse, HookOptions o) => parse.GetValue(o.OnError) == HookFailure.AllowWord;

    /// <summary>The hook command as its failures name it.</summary>
    public static string Shown(ParseResult parse, HookOptions o) => string.Join(' ', parse.GetValue(o.Command) ?? []);

    /// <summary>
    /// One hook as <paramref name="host"/> sees it: this process's streams, directory and signals, or those
    /// of a thin client the background service serves. A signal or a caller that is gone cancels it
    /// (its sandbox removed), which blocks like any other failure of the executor.
    /// </summary>
    public static async Task<int> ExecuteAsync(ParseResult parse, HookOptions o, RunHost host)
    {
        using var cancel = new CancellationTokenSource();
        using var hostGone = host.Gone.Register(cancel.Cancel);
        var allow = Allows(parse, o);
        var shown = Shown(parse, o);
        try
        {
            // A detached control: a signal never reaches the hook's command (whose trap could exit 0), it cancels the hook.
            using var signals = host.ListenForSignals(new RunSignalTarget(new CommandControl(), cancel), false);

            // The whole payload first: it is passed on byte for byte, and names the event and tool for the audit record.
            var stdin = new MemoryStream();
            await host.Input.CopyToAsync(stdin, cancel.Token).ConfigureAwait(false);
            stdin.Position = 0;
            var request = ExecutionRequests.Create(new RunSettings
            {
                Caller = CallerConventions.CommandLine,
                Command = parse.GetValue(o.Command)!,
                Policy = parse.GetValue(o.Policy),
                PolicyFile = host.FullPath(parse.GetValue(o.PolicyFile)),
                BaseDirectory = host.BaseDirectory,
                WorkingDirectory = host.FullPath(parse.GetValue(o.Workdir)),
                Overrides = new PolicyOverrides { Timeout = parse.GetValue(o.Timeout) },
                Environment = parse.GetValue(o.Env) ?? [],
                StandardInput = stdin,
                Output = new StreamOutputSink(host.Output, host.Error),
            }) with
            {
                Caller = "hook",
                Tags = HookTags(stdin.ToArray(), host.Path),
            };

            await using var lease = host.Executors.Lease(host.FullPath(parse.GetValue(o.AuditLog)), ExecutorOptionsBuilder.MachineConcurrency(), verbose: false, ExecutorSlots.Hooks);
            var result = await lease.Executor.RunAsync(request, cancel.Token).ConfigureAwait(false);
            return result.KillReason is { } reason
                ? HookFailure.Report(Diagnostic.Create(nameof(DiagnosticMessages.HookKilled), shown, RunWording.Killed(reason), result.ExecutionId), allow, host.Messages)
                : result.ExitCode;
        }
        catch (GadugiException ex)
        {
            return HookFailure.Report(Diagnostic.Create(nameof(DiagnosticMessages.HookCouldNotRun), shown, ex.Message), allow, host.Messages);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            return HookFailure.Report(Diagnostic.Create(nameof(DiagnosticMessages.HookCouldNotRun), shown, "it was cancelled before it started"), allow, host.Messages);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return HookFailure.Report(Diagnostic.Create(nameof(DiagnosticMessages.HookCouldNotRun), shown, ex.GetType().Name + ": " + ex.Message), allow, host.Messages);
        }
    }

    /// <summary>A command line 'hook' cannot parse blocks too (GBX6104), never System.CommandLine's exit 1.</summary>
    public static int? ReportParseErrors(ParseResult parsed, Command hook, TextWriter? messages = null)
    {
        if (parsed.CommandResult.Command != hook || parsed.Errors.Count == 0)
        {
            return null;
        }

        messages ??= Console.Error;
        foreach (var error in parsed.Errors)
        {
            messages.WriteLine("gadugi-exec: error " + Diagnostic.Create(nameof(DiagnosticMessages.HookInvalidCommandLine), error.Message.TrimEnd('.')));
        }

        return Block;
    }

    private static Dictionary<string, string> HookTags(byte[] payload, string path)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal) { [PathTag] = path };
        try
        {
            using var document = JsonDocument.Parse(payload);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var (field, tag) in new[] { ("hook_event_name", "hook.event"), ("tool_name", "hook.tool") })
                {
                    if (document.RootElement.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String)
                    {
                        tags[tag] = value.GetString()!;
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not a hook payload: the hook still runs, the record just names no event.
        }

        return tags;
    }
}
