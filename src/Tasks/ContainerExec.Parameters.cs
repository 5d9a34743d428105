using Microsoft.Build.Framework;

namespace Gadugi.BuildExec.Tasks;

/// <summary>
/// Runs a command in a fresh hardened sandbox, as MSBuild's <c>Exec</c> runs one on the host: output is
/// streamed into the build log, canonical "file(line,col): error CODE: text" lines become MSBuild
/// errors and warnings, and a non-zero exit fails the task. See docs/msbuild.md.
/// </summary>
/// <remarks>This part holds the parameters only (as dotnet/sdk's CreateNewImage.Interface.cs does).
/// Only strings, bools, numbers and ITaskItem[] are used: they cross into the private load context.</remarks>
public sealed partial class ContainerExec
{
    /// <summary>A command line run with <c>bash -c</c> in the sandbox. Give this or <see cref="Arguments"/>.</summary>
    public string? Command { get; set; }

    /// <summary>The command as argv, one item per argument (no shell). Give this or <see cref="Command"/>.</summary>
    public ITaskItem[]? Arguments { get; set; }

    /// <summary>Policy name: a built-in (shell, python, node, multi) or one from <see cref="PolicyFile"/>. Default: shell.</summary>
    public string? Policy { get; set; }

    /// <summary>YAML policy file (<c>policies: &lt;name&gt;: {...}</c>); its policies are added to the built-ins.</summary>
    public string? PolicyFile { get; set; }

    /// <summary>Replaces the policy's image (e.g. <c>gadugi/dotnet-sdk:$(NETCoreSdkVersion)</c>).</summary>
    public string? Image { get; set; }

    /// <summary>Host directory mounted at /workspace (read-only unless the policy says workspace: rw). Default: the project's directory.</summary>
    public string? WorkingDirectory { get; set; }

    /// <summary>Allow <see cref="WorkingDirectory"/> or <see cref="InputDirectory"/> to be the home directory or above it (refused otherwise, GBX1406).</summary>
    public bool AllowHomeDirectory { get; set; }

    /// <summary>Host directory mounted read-only at /input.</summary>
    public string? InputDirectory { get; set; }

    /// <summary>Host directory that receives what the command wrote to /output.</summary>
    public string? OutputDirectory { get; set; }

    /// <summary>Replaces the policy's timeout: milliseconds (as Exec's Timeout) or a duration such as 90s, 30m.</summary>
    public string? Timeout { get; set; }

    /// <summary>NAME=VALUE pairs passed to the command; every NAME must be on the policy's env allowlist.</summary>
    public string[]? EnvironmentVariables { get; set; }

    /// <summary>Do not fail on a non-zero exit code (kills by timeout, memory or output limit still fail).</summary>
    public bool IgnoreExitCode { get; set; }

    /// <summary>Log every output line as a message; do not turn canonical error/warning lines into errors and warnings.</summary>
    public bool IgnoreStandardErrorWarningFormat { get; set; }

    /// <summary>Return the output lines (stdout and stderr) in <see cref="ConsoleOutput"/>.</summary>
    public bool ConsoleToMSBuild { get; set; }

    /// <summary>Importance of stdout lines: High (default), Normal or Low.</summary>
    public string? StandardOutputImportance { get; set; }

    /// <summary>Importance of stderr lines: High, Normal (default) or Low.</summary>
    public string? StandardErrorImportance { get; set; }

    /// <summary>Do not log the command line before running it.</summary>
    public bool EchoOff { get; set; }

    /// <summary>Replaces the policy's memory limit, e.g. 2g.</summary>
    public string? Memory { get; set; }

    /// <summary>Replaces the policy's CPU limit, e.g. 1.5.</summary>
    public string? Cpus { get; set; }

    /// <summary>Replaces the policy's network: none or bridge.</summary>
    public string? Network { get; set; }

    /// <summary>Audit log (JSON Lines). Default: $GADUGI_AUDIT_LOG or ~/.local/state/gadugi/audit.jsonl.</summary>
    public string? AuditLog { get; set; }

    /// <summary>Container engine endpoint. Default: the docker CLI's ($DOCKER_HOST, the docker context, else unix:///var/run/docker.sock).</summary>
    public string? EngineEndpoint { get; set; }

    /// <summary>The command's exit code (137 when the sandbox was killed).</summary>
    [Output]
    public int ExitCode { get; set; } = -1;

    /// <summary>The output lines, when <see cref="ConsoleToMSBuild"/> is true.</summary>
    [Output]
    public ITaskItem[] ConsoleOutput { get; set; } = [];

    /// <summary>Why the sandbox was killed: timeout, oom, output_limit or cancelled; empty when it was not.</summary>
    [Output]
    public string KillReason { get; set; } = string.Empty;

    /// <summary>The execution's id (also the container label io.gadugi.execution).</summary>
    [Output]
    public string ExecutionId { get; set; } = string.Empty;

    /// <summary>Whether the command ran in a sandbox (false only for a policy with fallback: shell and no engine).</summary>
    [Output]
    public bool Sandboxed { get; set; }

    /// <summary>The files the command wrote to /output, at their place in <see cref="OutputDirectory"/>.</summary>
    [Output]
    public ITaskItem[] OutputFiles { get; set; } = [];

    /// <summary>The audit log the record was appended to.</summary>
    [Output]
    public string AuditLogPath { get; set; } = string.Empty;

    /// <summary>SHA-256 of the execution's audit record: its id in the audit hash chain.</summary>
    [Output]
    public string AuditRecordHash { get; set; } = string.Empty;

    /// <summary>The audit record's sequence number in its log (-1 when none was written).</summary>
    [Output]
    public long AuditSequence { get; set; } = -1;
}
