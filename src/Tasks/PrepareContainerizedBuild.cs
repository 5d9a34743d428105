using Gadugi.BuildExec.Core.Diagnostics;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Gadugi.BuildExec.Tasks;

/// <summary>
/// Stages the host's restore output for the sandbox and computes the workspace, argv and environment of
/// a containerized build (<see cref="ContainerizedBuildPlanner"/>); the targets then run it with
/// <see cref="ContainerExec"/> and copy the outputs back.
/// </summary>
public sealed class PrepareContainerizedBuild : ContextAwareTask
{
    [Required]
    public string ProjectName { get; set; } = string.Empty;

    [Required]
    public string ProjectFullPath { get; set; } = string.Empty;

    [Required]
    public string ProjectExtensionsPath { get; set; } = string.Empty;

    [Required]
    public string StagingDirectory { get; set; } = string.Empty;

    public string? PackagesDirectory { get; set; }

    public string? Workspace { get; set; }

    public ITaskItem[] ReferencedProjects { get; set; } = [];

    /// <summary>The host build's obj/ and bin/ directories, excluded from the inner build's globs.</summary>
    public string[] HostOutputDirectories { get; set; } = [];

    public string? Configuration { get; set; }

    /// <summary>More global properties for the inner build, NAME=VALUE each.</summary>
    public string[] Properties { get; set; } = [];

    public string? TargetFramework { get; set; }

    public string? Verbosity { get; set; }

    [Output]
    public string ResolvedWorkspace { get; set; } = string.Empty;

    [Output]
    public ITaskItem[] Arguments { get; set; } = [];

    [Output]
    public string[] EnvironmentVariables { get; set; } = [];

    [Output]
    public string ResolvedPackagesDirectory { get; set; } = string.Empty;

    [Output]
    public ITaskItem[] StagedFiles { get; set; } = [];

    protected override bool ExecuteInner()
    {
        TaskResources = DiagnosticMessages.ResourceManager;
        try
        {
            var packages = !string.IsNullOrWhiteSpace(PackagesDirectory) && Directory.Exists(PackagesDirectory)
                ? Path.TrimEndingDirectorySeparator(Path.GetFullPath(PackagesDirectory))
                : string.Empty;
            var plan = ContainerizedBuildPlanner.Plan(new ContainerizedBuildInput
            {
                ProjectName = ProjectName,
                ProjectFullPath = ProjectFullPath,
                ProjectExtensionsPath = ProjectExtensionsPath,
                StagingDirectory = StagingDirectory,
                PackagesDirectory = packages,
                Workspace = Workspace,
                ReferencedProjects = ReferencedProjects.Select(reference => reference.GetMetadata("FullPath")).ToArray(),
                HostOutputDirectories = HostOutputDirectories,
                Configuration = Configuration,
                Properties = Properties,
                TargetFramework = TargetFramework,
                Verbosity = Verbosity,
            });
            foreach (var (path, text) in plan.StagedFiles)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, text);
            }

            ResolvedWorkspace = plan.Workspace;
            ResolvedPackagesDirectory = packages;
            Arguments = plan.Arguments.Select(argument => (ITaskItem)new TaskItem(ContainerExec.MSBuildEscape(argument))).ToArray();
            EnvironmentVariables = plan.Environment.ToArray();
            StagedFiles = plan.StagedFiles.Keys.Select(path => (ITaskItem)new TaskItem(path)).ToArray();
        }
        catch (GadugiException ex)
        {
            Log.LogError(null, ex.Code, null, BuildEngine?.ProjectFileOfTaskNode, 0, 0, 0, 0, "{0}", ex.Diagnostic.Text);
        }

        return !Log.HasLoggedErrors;
    }
}
