using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Policies;
using Gadugi.BuildExec.Core.Requests;
using Gadugi.BuildExec.Action.Resources;

namespace Gadugi.BuildExec.Action.Context;

/// <summary>The inputs resolved against the workspace: where steps run, under which policy, where the audit log goes.</summary>
public sealed record ActionSettings
{
    /// <summary>The audit log's place, relative to the workspace: the 'audit_log' output.</summary>
    public const string AuditLogRelativePath = ".gadugi/audit.jsonl";

    public required string Workspace { get; init; }

    public required string WorkingDirectory { get; init; }

    public required SandboxPolicy Policy { get; init; }

    /// <summary>What every step asks for but its command (and output): the request factory's input.</summary>
    public required RunSettings Run { get; init; }

    /// <summary>The action's conventions: input names, GBX5003 for an invalid value.</summary>
    public static CallerConventions Conventions { get; } = new()
    {
        Caller = "action",
        ParameterName = name => name.ToLowerInvariant(),
        InvalidParameter = (input, value, allowed) => new GadugiException(Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionInputInvalid), input, value, allowed)),
        InvalidEnvironmentEntry = entry => new GadugiException(Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionInputInvalid), "env", entry, "NAME=VALUE")),
    };

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

        var run = new RunSettings
        {
            Caller = Conventions,
            Command = [],
            Policy = inputs.Policy,
            PolicyFile = inputs.PolicyFile is null ? null : PathGuard.InsideWorkspace(workspace, ActionInputs.PolicyFileName, inputs.PolicyFile),
            BaseDirectory = workingDirectory,
        };
        return new ActionSettings
        {
            Workspace = workspace,
            WorkingDirectory = workingDirectory,
            Policy = ExecutionRequests.LoadPolicies(run).Resolve(inputs.Policy),
            Run = run,
        };
    }
}
