using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Action.Context;

/// <summary>The inputs resolved against the workspace: where steps run, under which policy, where the audit log goes.</summary>
public sealed record ActionSettings
{
    /// <summary>The audit log's place, relative to the workspace: the 'audit_log' output.</summary>
    public const string AuditLogRelativePath = ".gadugi/audit.jsonl";

    public required string Workspace { get; init; }

    public required string WorkingDirectory { get; init; }

    public required SandboxPolicy Policy { get; init; }

    public string AuditLogPath => Path.Combine(Workspace, AuditLogRelativePath);

    /// <summary>The working directory relative to the workspace, '/'-separated; "" for the workspace itself.</summary>
    public string WorkingDirectoryRelative => Path.GetRelativePath(Workspace, WorkingDirectory) is "." ? string.Empty : Path.GetRelativePath(Workspace, WorkingDirectory).Replace('\\', '/');

    public static ActionSettings Resolve(ActionInputs inputs, GitHubContext context)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(context);
        var workspace = PathGuard.RealPath(context.Workspace);
        if (!Directory.Exists(workspace))
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.DirectoryMissing), "workspace", workspace, "GITHUB_WORKSPACE"));
        }

        var workingDirectory = PathGuard.InsideWorkspace(workspace, ActionInputs.WorkingDirectoryName, inputs.WorkingDirectory);
        if (!Directory.Exists(workingDirectory))
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.DirectoryMissing), "working directory", workingDirectory, "the 'working_directory' input"));
        }

        var policies = inputs.PolicyFile is null
            ? PolicySet.BuiltInOnly
            : PolicyFileLoader.LoadFile(PathGuard.InsideWorkspace(workspace, ActionInputs.PolicyFileName, inputs.PolicyFile));
        return new ActionSettings
        {
            Workspace = workspace,
            WorkingDirectory = workingDirectory,
            Policy = policies.Resolve(inputs.Policy),
        };
    }
}
