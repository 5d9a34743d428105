using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Gadugi.BuildExec.Tasks;

/// <summary>
/// Stages the host's restore output for the sandbox and computes the workspace, argv and environment of
/// a containerized build (<see cref="ContainerizedBuildPlanner"/>); the targets then run it with
/// <see cref="ContainerExec"/> and copy the outputs back.
/// </summary>
public sealed class PrepareContainerizedBuild : PrepareContainerizedRun
{
    [Required]
    public string ProjectName { get; set; } = string.Empty;

    [Required]
    public string ProjectFullPath { get; set; } = string.Empty;

    [Required]
    public string ProjectExtensionsPath { get; set; } = string.Empty;

    [Required]
    public string StagingDirectory { get; set; } = string.Empty;

    public ITaskItem[] ReferencedProjects { get; set; } = [];

    /// <summary>The host build's obj/ and bin/ directories, excluded from the inner build's globs.</summary>
    public string[] HostOutputDirectories { get; set; } = [];

    public string? Configuration { get; set; }

    /// <summary>More global properties for the inner build, NAME=VALUE each.</summary>
    public string[] Properties { get; set; } = [];

    public string? TargetFramework { get; set; }

    [Output]
    public ITaskItem[] StagedFiles { get; set; } = [];

    protected override (string Workspace, IReadOnlyList<string> Arguments, IReadOnlyList<string> Environment) Plan(string packages)
    {
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

        StagedFiles = plan.StagedFiles.Keys.Select(path => (ITaskItem)new TaskItem(path)).ToArray();
        return (plan.Workspace, plan.Arguments, plan.Environment);
    }
}
