using System.CommandLine;
using Gadugi.BuildExec.Core.Policies;
using Gadugi.BuildExec.Core.Requests;

namespace Gadugi.BuildExec.Cli.Commands;

/// <summary>The options of <c>gadugi-exec run</c>, shared by the direct path and the background service.</summary>
internal sealed class RunOptions
{
    public Option<string> Policy { get; } = new("--policy") { Description = "Policy to apply (built-in: python, node, shell, multi).", DefaultValueFactory = _ => PolicyDefaults.DefaultPolicyName };

    public Option<FileInfo?> PolicyFile { get; } = new("--policy-file") { Description = "YAML policy file (policies: <name>: {...}); defaults to $GADUGI_POLICY_FILE." };

    public Option<DirectoryInfo?> Input { get; } = new("--input") { Description = "Host directory mounted read-only at /input." };

    public Option<DirectoryInfo?> Output { get; } = new("--output") { Description = "Host directory that receives what the command writes to /output." };

    public Option<DirectoryInfo?> Workdir { get; } = new("--workdir") { Description = "Host directory mounted at /workspace and used as the working directory (default: current)." };

    public Option<string?> Timeout { get; } = new("--timeout") { Description = "Override the policy's timeout, e.g. 90s or 30m." };

    public Option<string?> Memory { get; } = new("--memory") { Description = "Override the policy's memory limit, e.g. 512m." };

    public Option<string?> Cpus { get; } = new("--cpus") { Description = "Override the policy's CPU limit, e.g. 1.5." };

    public Option<string?> Network { get; } = new("--network") { Description = "Override the policy's network: none or bridge." };

    public Option<string[]> Env { get; } = new("--env") { Description = "NAME=VALUE, or NAME alone to copy your own value of that variable (only the names given are passed), for a variable the policy allows. Repeatable.", AllowMultipleArgumentsPerToken = false };

    public Option<FileInfo?> AuditLog { get; } = new("--audit-log") { Description = "Audit log (JSON Lines). Default: $GADUGI_AUDIT_LOG or ~/.local/state/gadugi/audit.jsonl." };

    public Option<bool> AllowHome { get; } = new("--allow-home") { Description = "Allow the working or input directory to be your home directory or above it (refused otherwise: the sandbox would see every key and token there)." };

    public Option<bool> Json { get; } = new("--json") { Description = "Print the result record as JSON on stdout; the command's output still streams live, both streams on stderr." };

    public Option<FileInfo?> ResultJson { get; } = new("--result-json") { Description = "Also write the result record as JSON to this file (the command's output streams as usual)." };

    public Option<bool> Tty { get; } = new("--tty", "-t") { Description = "Give the command a terminal (default: when stdin and stdout are terminals). Its stdout and stderr then arrive as one stream." };

    public Option<bool> NoTty { get; } = new("--no-tty") { Description = "Never give the command a terminal." };

    public Option<string?> StopTimeout { get; } = new("--stop-timeout") { Description = "After forwarding SIGINT, SIGTERM, SIGHUP or SIGQUIT to the command, how long it may take to end before its sandbox is killed: seconds or e.g. 500ms, 2m. Default 10s." };

    public Option<bool> Verbose { get; } = new("--verbose") { Description = "Log each step on stderr (runs in this process, not through the background service)." };

    public Option<int> MaxConcurrency { get; } = new("--max-concurrency")
    {
        Description = "Sandboxes running at once on this machine, across all gadugi-exec processes; more wait their turn. Default: $GADUGI_MAX_CONCURRENCY or 10.",
        DefaultValueFactory = _ => ExecutorOptionsBuilder.MachineConcurrency(),
    };

    public Option<bool> NoPool { get; } = new("--no-pool") { Description = "Run in this process, without the background service that keeps warm code ($GADUGI_POOL=off does the same)." };

    public Argument<string[]> Command { get; } = new("command") { Arity = ArgumentArity.OneOrMore, Description = "The command and its arguments, after '--'." };
}
