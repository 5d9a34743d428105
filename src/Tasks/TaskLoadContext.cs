using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.Loader;

namespace Gadugi.BuildExec.Tasks;

/// <summary>
/// The private load context the tasks run in: every assembly found next to the task assembly
/// (Gadugi.BuildExec.Core, Docker.DotNet, YamlDotNet, Polly, Microsoft.Extensions.Logging.Abstractions, …)
/// is loaded from there, whatever versions MSBuild, the SDK or another task package already loaded.
/// MSBuild's own assemblies are never loaded privately: they come from the context that hosts MSBuild,
/// so <c>ITask</c>, <c>IBuildEngine</c> and <c>ITaskItem</c> are the same types on both sides.
/// </summary>
/// <remarks>The pattern of Nerdbank.GitVersioning's ContextAwareTask/GitLoaderContext. One context per
/// task directory and process, never unloaded (an MSBuild node keeps it for its lifetime).</remarks>
public sealed class TaskLoadContext : AssemblyLoadContext
{
    private static readonly ConcurrentDictionary<string, TaskLoadContext> Contexts = new(StringComparer.Ordinal);

    private TaskLoadContext(string directory)
        : base("Gadugi.BuildExec.Tasks: " + directory, isCollectible: false)
    {
        Directory = directory;
    }

    /// <summary>Where the task assembly and its dependency closure live.</summary>
    public string Directory { get; }

    /// <summary>The context for the task assembly at <paramref name="taskAssemblyPath"/> (created once per directory).</summary>
    public static TaskLoadContext For(string taskAssemblyPath)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(taskAssemblyPath))
            ?? throw new ArgumentException($"'{taskAssemblyPath}' has no directory.", nameof(taskAssemblyPath));
        return Contexts.GetOrAdd(directory, static d => new TaskLoadContext(d));
    }

    /// <summary>True when <paramref name="assembly"/> was loaded by a <see cref="TaskLoadContext"/>.</summary>
    /// <remarks>Compared by type name: code running inside the context sees its own copy of this class,
    /// a different type from the one (in the host's context) that created the context.</remarks>
    public static bool Owns(Assembly assembly) =>
        GetLoadContext(assembly)?.GetType().FullName == typeof(TaskLoadContext).FullName;

    /// <summary>Assemblies that must be the host's: MSBuild's API (types crossing the boundary).</summary>
    public static bool IsShared(AssemblyName name) =>
        name.Name is { } simple
        && (simple.Equals("Microsoft.Build", StringComparison.OrdinalIgnoreCase)
            || simple.StartsWith("Microsoft.Build.", StringComparison.OrdinalIgnoreCase)
            || simple.Equals("Microsoft.NET.StringTools", StringComparison.OrdinalIgnoreCase));

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (IsShared(assemblyName))
        {
            return null;
        }

        var candidate = Path.Combine(Directory, assemblyName.Name + ".dll");
        return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var candidate = Path.Combine(Directory, unmanagedDllName);
        return File.Exists(candidate) ? LoadUnmanagedDllFromPath(candidate) : IntPtr.Zero;
    }
}
