using Gadugi.BuildExec.Core.Diagnostics;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using Gadugi.BuildExec.Tasks.Resources;

namespace Gadugi.BuildExec.Tasks;

/// <summary>
/// What the containerized test run and build share: the host package folder to mount, the planned
/// workspace, argv and environment handed to <see cref="ContainerExec"/>, and coded errors.
/// </summary>
public abstract class PrepareContainerizedRun : ContextAwareTask
{
    /// <summary>Host NuGet package folder, mounted read-only at /input (NUGET_PACKAGES=/input) when it exists.</summary>
    public string? PackagesDirectory { get; set; }

    public string? Workspace { get; set; }

    public string? Verbosity { get; set; }

    [Output]
    public string ResolvedWorkspace { get; set; } = string.Empty;

    [Output]
    public ITaskItem[] Arguments { get; set; } = [];

    [Output]
    public string[] EnvironmentVariables { get; set; } = [];

    [Output]
    public string ResolvedPackagesDirectory { get; set; } = string.Empty;

    protected sealed override bool ExecuteInner()
    {
        TaskResources = TaskMessages.ResourceManager;
        try
        {
            var packages = !string.IsNullOrWhiteSpace(PackagesDirectory) && Directory.Exists(PackagesDirectory)
                ? Path.TrimEndingDirectorySeparator(Path.GetFullPath(PackagesDirectory))
                : string.Empty;
            var (workspace, arguments, environment) = Plan(packages);
            ResolvedWorkspace = workspace;
            ResolvedPackagesDirectory = packages;
            Arguments = arguments.Select(argument => (ITaskItem)new TaskItem(ContainerExec.MSBuildEscape(argument))).ToArray();
            EnvironmentVariables = environment.ToArray();
        }
        catch (GadugiException ex)
        {
            Log.Error(ex.Diagnostic, BuildEngine?.ProjectFileOfTaskNode);
        }

        return !Log.HasLoggedErrors;
    }

    /// <summary>Plans the run; <paramref name="packages"/> is the package folder to mount, or empty for none.</summary>
    protected abstract (string Workspace, IReadOnlyList<string> Arguments, IReadOnlyList<string> Environment) Plan(string packages);
}
