using System.CommandLine;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Cli.Commands;

/// <summary>The options of <c>gadugi-exec hook</c>, shared by the direct path and the background service.</summary>
internal sealed class HookOptions
{
    public HookOptions() => OnError.AcceptOnlyFromAmong(HookFailure.BlockWord, HookFailure.AllowWord);

    public Option<string> OnError { get; } = new("--on-error") { Description = "What an executor failure does: block (exit 2, the default) or allow (exit 0 with a warning).", DefaultValueFactory = _ => HookFailure.BlockWord };

    public Option<string> Policy { get; } = new("--policy") { Description = "Policy to apply.", DefaultValueFactory = _ => PolicyDefaults.DefaultPolicyName };

    public Option<FileInfo?> PolicyFile { get; } = new("--policy-file") { Description = "YAML policy file; defaults to $GADUGI_POLICY_FILE." };

    public Option<DirectoryInfo?> Workdir { get; } = new("--workdir") { Description = "Mounted at /workspace (default: current directory)." };

    public Option<string?> Timeout { get; } = new("--timeout") { Description = "Override the policy's timeout, e.g. 30s." };

    public Option<string[]> Env { get; } = new("--env") { Description = "NAME=VALUE or NAME (copies your value); the policy must allow it. Repeatable." };

    public Option<FileInfo?> AuditLog { get; } = new("--audit-log") { Description = "Audit log. Default: $GADUGI_AUDIT_LOG or ~/.local/state/gadugi/audit.jsonl." };

    public Option<bool> NoPool { get; } = new("--no-pool") { Description = "Run in this process, without the background service that keeps warm code ($GADUGI_POOL=off does the same)." };

    public Argument<string[]> Command { get; } = new("command") { Arity = ArgumentArity.OneOrMore, Description = "The hook command, after '--'." };
}
