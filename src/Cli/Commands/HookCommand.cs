using System.CommandLine;
using System.Text.Json;
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
    public const int Block = 2;

    public static Command Create()
    {
        var onError = new Option<string>("--on-error") { Description = "What an executor failure does: block (exit 2, the default) or allow (exit 0 with a warning).", DefaultValueFactory = _ => "block" };
        onError.AcceptOnlyFromAmong("block", "allow");
        var policy = new Option<string>("--policy") { Description = "Policy to apply.", DefaultValueFactory = _ => PolicyDefaults.DefaultPolicyName };
        var policyFile = new Option<FileInfo?>("--policy-file") { Description = "YAML policy file; defaults to $GADUGI_POLICY_FILE." };
        var workdir = new Option<DirectoryInfo?>("--workdir") { Description = "Mounted at /workspace (default: current directory)." };
        var timeout = new Option<string?>("--timeout") { Description = "Override the policy's timeout, e.g. 30s." };
        var env = new Option<string[]>("--env") { Description = "NAME=VALUE or NAME (copies your value); the policy must allow it. Repeatable." };
        var auditLog = new Option<FileInfo?>("--audit-log") { Description = "Audit log. Default: $GADUGI_AUDIT_LOG or ~/.local/state/gadugi/audit.jsonl." };
        var command = new Argument<string[]>("command") { Arity = ArgumentArity.OneOrMore, Description = "The hook command, after '--'." };
        var hook = new Command("hook", "Run a Claude Code hook in a sandbox, failing closed: the hook's exit codes unchanged, the executor's own failures exit 2 with a coded reason.")
        {
            onError, policy, policyFile, workdir, timeout, env, auditLog, command,
        };

        hook.SetAction(async (parse, cancellationToken) =>
        {
            var allow = parse.GetValue(onError) == "allow";
            var argv = parse.GetValue(command)!;
            var shown = string.Join(' ', argv);
            try
            {
                // The whole payload first: it is passed on byte for byte, and names the event and tool for the audit record.
                var stdin = new MemoryStream();
                await using (var input = Console.OpenStandardInput())
                {
                    await input.CopyToAsync(stdin, cancellationToken).ConfigureAwait(false);
                }

                stdin.Position = 0;
                var request = ExecutionRequests.Create(new RunSettings
                {
                    Caller = CallerConventions.CommandLine,
                    Command = argv,
                    Policy = parse.GetValue(policy),
                    PolicyFile = parse.GetValue(policyFile)?.FullName,
                    WorkingDirectory = parse.GetValue(workdir)?.FullName,
                    Overrides = new PolicyOverrides { Timeout = parse.GetValue(timeout) },
                    Environment = parse.GetValue(env) ?? [],
                    StandardInput = stdin,
                    Output = new StreamOutputSink(Console.OpenStandardOutput(), Console.OpenStandardError()),
                }) with
                {
                    Caller = "hook",
                    Tags = HookTags(stdin.ToArray()),
                };

                var options = ExecutorOptionsBuilder.Build(parse.GetValue(auditLog)?.FullName) with { MachineSlotsDirectory = ExecutorOptionsBuilder.HookSlotsDirectory() };
                await using var executor = new SandboxExecutor(options);
                var result = await executor.RunAsync(request, cancellationToken).ConfigureAwait(false);
                return result.KillReason is { } reason
                    ? Fail(Diagnostic.Create(nameof(DiagnosticMessages.HookKilled), shown, RunWording.Killed(reason), result.ExecutionId), allow)
                    : result.ExitCode;
            }
            catch (GadugiException ex)
            {
                return Fail(Diagnostic.Create(nameof(DiagnosticMessages.HookCouldNotRun), shown, ex.Message), allow);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                return Fail(Diagnostic.Create(nameof(DiagnosticMessages.HookCouldNotRun), shown, ex.GetType().Name + ": " + ex.Message), allow);
            }
        });
        return hook;
    }

    /// <summary>A command line 'hook' cannot parse blocks too (GBX6104), never System.CommandLine's exit 1.</summary>
    public static int? ReportParseErrors(ParseResult parsed, Command hook)
    {
        if (parsed.CommandResult.Command != hook || parsed.Errors.Count == 0)
        {
            return null;
        }

        foreach (var error in parsed.Errors)
        {
            Console.Error.WriteLine("gadugi-exec: error " + Diagnostic.Create(nameof(DiagnosticMessages.HookInvalidCommandLine), error.Message.TrimEnd('.')));
        }

        return Block;
    }

    private static int Fail(Diagnostic reason, bool allow)
    {
        if (allow)
        {
            Console.Error.WriteLine("gadugi-exec: " + Diagnostic.Create(nameof(DiagnosticMessages.HookAllowedAfterFailure), reason.ToString()));
            return 0;
        }

        Console.Error.WriteLine("gadugi-exec: error " + reason);
        return Block;
    }

    private static Dictionary<string, string> HookTags(byte[] payload)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
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
