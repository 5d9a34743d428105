using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Policies;
using Gadugi.BuildExec.Core.Requests;
using Gadugi.BuildExec.Action.Resources;

namespace Gadugi.BuildExec.Action.Context;

/// <summary>The inputs resolved against the workspace: where steps run, under which policy, where the audit log goes.</summary>
public sealed record ActionSettings
{
    /// <summary>The audit log's place under HOME (/github/home, the runner's $RUNNER_TEMP/_github_home): outside the workspace, where no step can write.</summary>
    public const string AuditLogUnderHome = "gadugi/audit.jsonl";

    public required string Workspace { get; init; }

    public required string WorkingDirectory { get; init; }

    public required SandboxPolicy Policy { get; init; }

    /// <summary>What every step asks for but its command (and output): the request factory's input.</summary>
    public required RunSettings Run { get; init; }

    /// <summary>The action's conventions: input names, GBX5003 for an invalid value, and fallback: shell never honoured (GBX5018).</summary>
    public static CallerConventions Conventions { get; } = new()
    {
        Caller = "action",
        ParameterName = name => name.ToLowerInvariant(),
        InvalidParameter = (input, value, allowed) => new GadugiException(Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionInputInvalid), input, value, allowed)),
        InvalidEnvironmentEntry = entry => new GadugiException(Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionInputInvalid), "env", entry, "NAME=VALUE")),

        // Never unsandboxed inside the action: that would be root in the container holding the token and the socket.
        HonoursFallback = false,
    };

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
        var run = new RunSettings
        {
            Caller = Conventions,
            Command = [],
            Policy = policies.PolicyName,
            Policies = policies.Policies,
            BaseDirectory = workingDirectory,
        };
        run = StepLimits.Apply(run, inputs);
        return new ActionSettings
        {
            Workspace = workspace,
            WorkingDirectory = workingDirectory,
            Policy = ExecutionRequests.ResolvePolicy(run),
            FallbackIgnored = policies.Policies.Resolve(policies.PolicyName).Fallback == FallbackMode.Shell,
            Run = run,
            AuditLogPath = AuditLogPathFor(context, workspace),
        };
    }

    /// <summary>HOME/gadugi/audit.jsonl; GBX5019 when HOME is missing or inside the workspace, where a step could write it.</summary>
    private static string AuditLogPathFor(GitHubContext context, string workspace)
    {
        var home = context.Home is { Length: > 0 } given ? PathGuard.RealPath(given) : null;
        if (home is null || PathGuard.IsInside(workspace, home) || PathGuard.IsInside(home, workspace))
        {
            throw new GadugiException(Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionAuditLogPlace), context.Home ?? "(not set)", workspace));
        }

        return Path.Combine(home, AuditLogUnderHome);
    }
}
