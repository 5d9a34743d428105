using Gadugi.BuildExec.Core.Diagnostics;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Gadugi.BuildExec.Tasks;

/// <summary>
/// Computes the sandbox workspace, argv and environment of a containerized test run
/// (<see cref="ContainerizedTestPlanner"/>); the targets then run it with <see cref="ContainerExec"/>.
/// </summary>
public sealed class PrepareContainerizedTest : ContextAwareTask
{
    [Required]
    public string ProjectName { get; set; } = string.Empty;

    [Required]
    public string ProjectDirectory { get; set; } = string.Empty;

    [Required]
    public string TargetPath { get; set; } = string.Empty;

    [Required]
    public string TrxFileName { get; set; } = string.Empty;

    public string? Workspace { get; set; }

    public string? TestCaseFilter { get; set; }

    public string? RunSettings { get; set; }

    public string? Verbosity { get; set; }

    /// <summary>Host NuGet package folder, mounted read-only at /input (NUGET_PACKAGES=/input) when it exists.</summary>
    public string? PackagesDirectory { get; set; }

    [Output]
    public string ResolvedWorkspace { get; set; } = string.Empty;

    [Output]
    public ITaskItem[] Arguments { get; set; } = [];

    [Output]
    public string[] EnvironmentVariables { get; set; } = [];

    [Output]
    public string ResolvedPackagesDirectory { get; set; } = string.Empty;

    protected override bool ExecuteInner()
    {
        TaskResources = DiagnosticMessages.ResourceManager;
        try
        {
            var packages = !string.IsNullOrWhiteSpace(PackagesDirectory) && Directory.Exists(PackagesDirectory)
                ? Path.TrimEndingDirectorySeparator(Path.GetFullPath(PackagesDirectory))
                : string.Empty;
            var plan = ContainerizedTestPlanner.Plan(
                new ContainerizedTestInput
                {
                    ProjectName = ProjectName,
                    ProjectDirectory = ProjectDirectory,
                    TargetPath = TargetPath,
                    Workspace = Workspace,
                    TrxFileName = TrxFileName,
                    TestCaseFilter = TestCaseFilter,
                    RunSettings = RunSettings,
                    Verbosity = Verbosity,
                },
                packagesMounted: packages.Length > 0);
            ResolvedWorkspace = plan.Workspace;
            ResolvedPackagesDirectory = packages;
            Arguments = plan.Arguments.Select(argument => (ITaskItem)new TaskItem(ContainerExec.MSBuildEscape(argument))).ToArray();
            EnvironmentVariables = plan.Environment.ToArray();
        }
        catch (GadugiException ex)
        {
            Log.LogError(null, ex.Code, null, BuildEngine?.ProjectFileOfTaskNode, 0, 0, 0, 0, "{0}", ex.Diagnostic.Text);
        }

        return !Log.HasLoggedErrors;
    }
}
