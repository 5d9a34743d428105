using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Action.Context;

/// <summary>The inputs resolved against the workspace: where steps run, under which policy, where the audit log goes.</summary>
public sealed record ActionSettings
{
    /// <summary>The audit log's place under HOME (/github/home, the runner's $RUNNER_TEMP/_github_home): outside the workspace, where no step can write.</summary>
    public const string AuditLogUnderHome = "gadugi/audit.jsonl";

    public required string Workspace { get; init; }

    public required string WorkingDirectory { get; init; }

    public required SandboxPolicy Policy { get; init; }

    public required string AuditLogPath { get; init; }

    /// <summary>The policy file's fallback: shell was dropped (GBX5018).</summary>
    public bool FallbackIgnored { get; init; }

    /// <summary>The working directory relative to the workspace, '/'-separated; "" for the workspace itself.</summary>
    public string WorkingDirectoryRelative => Path.GetRelativePath(Workspace, WorkingDirectory) is "." ? string.Empty : Path.GetRelativePath(Workspace, WorkingDirectory).Replace('\\', '/');

    public static ActionSettings Resolve(ActionInputs inputs, GitHubContext context, PolicyChoice? policies = null)
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

        policies ??= inputs.PolicyFile is null
            ? new PolicyChoice(PolicySet.BuiltInOnly, inputs.Policy, [])
            : new PolicyChoice(PolicyFileLoader.LoadFile(PathGuard.InsideWorkspace(workspace, ActionInputs.PolicyFileName, inputs.PolicyFile)), inputs.Policy, []);
        var policy = policies.Policies.Resolve(policies.PolicyName);
        return new ActionSettings
        {
            Workspace = workspace,
            WorkingDirectory = workingDirectory,
            // Never unsandboxed inside the action: that would be root in the container holding the token and the socket.
            Policy = policy with { Fallback = FallbackMode.None },
            FallbackIgnored = policy.Fallback == FallbackMode.Shell,
            AuditLogPath = AuditLogPathFor(context, workspace),
        };
    }

    /// <summary>HOME/gadugi/audit.jsonl; GBX5019 when HOME is missing or inside the workspace, where a step could write it.</summary>
    private static string AuditLogPathFor(GitHubContext context, string workspace)
    {
        var home = context.Home is { Length: > 0 } given ? PathGuard.RealPath(given) : null;
        if (home is null || PathGuard.IsInside(workspace, home) || PathGuard.IsInside(home, workspace))
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.ActionAuditLogPlace), context.Home ?? "(not set)", workspace));
        }

        return Path.Combine(home, AuditLogUnderHome);
    }
}
