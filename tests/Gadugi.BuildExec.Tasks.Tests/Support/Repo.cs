using System.Reflection;

namespace Gadugi.BuildExec.Tasks.Tests.Support;

/// <summary>Paths of the repository the tests were built from.</summary>
internal static class Repo
{
    public static string Root { get; } = typeof(Repo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(attribute => attribute.Key == "RepoRoot").Value!;

    /// <summary>The configuration these tests (and so the task project) were built in.</summary>
    public static string Configuration { get; } = typeof(Repo).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public static string BuildDirectory => Path.Combine(Root, "build");

    public static string Resx => Path.Combine(Root, "src", "Tasks", "Resources", "TaskMessages.resx");

    public static string DiagnosticsDoc => Path.Combine(Root, "docs", "diagnostics.md");

    public static string TasksProject => Path.Combine(Root, "src", "Tasks", "Gadugi.BuildExec.Tasks.csproj");

    /// <summary>The task assembly next to the tests (the same build of src/Tasks).</summary>
    public static string TasksAssembly => typeof(ContainerExec).Assembly.Location;
}
