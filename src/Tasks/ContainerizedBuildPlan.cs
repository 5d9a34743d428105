using System.Security;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Tasks.Resources;

namespace Gadugi.BuildExec.Tasks;

/// <summary>What the containerized build needs to know about the project (host paths).</summary>
public sealed record ContainerizedBuildInput
{
    public required string ProjectName { get; init; }

    public required string ProjectFullPath { get; init; }

    /// <summary>The host's restore output ($(MSBuildProjectExtensionsPath)): project.assets.json and the nuget.g.props/targets.</summary>
    public required string ProjectExtensionsPath { get; init; }

    /// <summary>Host directory for the staged restore output and the inner build's props; must be inside the workspace.</summary>
    public required string StagingDirectory { get; init; }

    /// <summary>The host's NuGet package folder ($(NuGetPackageRoot)), mounted read-only at /input; empty when none.</summary>
    public string? PackagesDirectory { get; init; }

    /// <summary>Directory mounted at /workspace; default: the nearest directory holding the project and its project references.</summary>
    public string? Workspace { get; init; }

    /// <summary>Full paths of the project's references (built on the host first); the workspace must hold them.</summary>
    public IReadOnlyList<string> ReferencedProjects { get; init; } = [];

    /// <summary>The host build's own obj/ and bin/ ($(BaseIntermediateOutputPath), $(BaseOutputPath)): the inner build must not glob their files.</summary>
    public IReadOnlyList<string> HostOutputDirectories { get; init; } = [];

    public string? Configuration { get; init; }

    /// <summary>More global properties for the inner build, NAME=VALUE each (ContainerizedBuildProperties).</summary>
    public IReadOnlyList<string> Properties { get; init; } = [];

    public string? TargetFramework { get; init; }

    /// <summary>Verbosity of the build inside the sandbox (quiet, minimal, normal, detailed).</summary>
    public string? Verbosity { get; init; }
}

/// <summary>The workspace, argv and environment of a containerized build, and the files to stage on the host first.</summary>
public sealed record ContainerizedBuildPlan(string Workspace, IReadOnlyList<string> Arguments, IReadOnlyList<string> Environment, IReadOnlyDictionary<string, string> StagedFiles);

/// <summary>
/// Plans <c>dotnet build --no-restore</c> of a host-restored project in a sandbox that sees the source
/// tree read-only at /workspace and the NuGet package folder read-only at /input. The host's restore
/// output names host paths, so a copy with the paths as the sandbox sees them is staged next to it
/// (under obj/, inside the workspace), and a props file scoped to this project points the inner build
/// at that copy and writes obj/bin to /output. Project references keep their own (host-built) outputs.
/// </summary>
public static class ContainerizedBuildPlanner
{
    public const string ContainerOutput = "/output";
    public const string InnerPropsFileName = "inner.props";

    public static ContainerizedBuildPlan Plan(ContainerizedBuildInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var project = Path.GetFullPath(input.ProjectFullPath);
        var extensions = Path.TrimEndingDirectorySeparator(Path.GetFullPath(input.ProjectExtensionsPath));
        var assets = Path.Combine(extensions, "project.assets.json");
        if (!File.Exists(assets))
        {
            throw new GadugiException(Diagnostic.Create(TaskMessages.ResourceManager, nameof(TaskMessages.ContainerizedBuildNotRestored), input.ProjectName, assets));
        }

        var workspace = ChooseWorkspace(input, project);
        var staging = Path.TrimEndingDirectorySeparator(Path.GetFullPath(input.StagingDirectory));
        var containerProject = ToContainerPath(workspace, project);
        var containerExtensions = ToContainerPath(workspace, Path.Combine(staging, "ext")) + "/";
        var containerInnerProps = ToContainerPath(workspace, Path.Combine(staging, InnerPropsFileName));
        var packages = string.IsNullOrWhiteSpace(input.PackagesDirectory) ? null : Path.TrimEndingDirectorySeparator(Path.GetFullPath(input.PackagesDirectory));

        var staged = new Dictionary<string, string>(StringComparer.Ordinal);
        Stage(staged, project, extensions, Path.Combine(staging, "ext"), containerExtensions, workspace, packages, input.ProjectName);

        // The inner build still evaluates its references (GetTargetPath and friends, against the outputs the
        // host built): their restore output names host package folders too, so it is staged the same way.
        var references = new List<(string ContainerProject, string ContainerExtensions)>();
        foreach (var (reference, index) in input.ReferencedProjects.Select((path, index) => (Path.GetFullPath(path, Path.GetDirectoryName(project)!), index)))
        {
            var referenceExtensions = Path.Combine(Path.GetDirectoryName(reference)!, "obj");
            if (File.Exists(Path.Combine(referenceExtensions, "project.assets.json")))
            {
                var stagedReference = Path.Combine(staging, "references", index.ToString(System.Globalization.CultureInfo.InvariantCulture));
                var containerReference = ToContainerPath(workspace, stagedReference) + "/";
                Stage(staged, reference, referenceExtensions, stagedReference, containerReference, workspace, packages, Path.GetFileNameWithoutExtension(reference));
                references.Add((ToContainerPath(workspace, reference), containerReference));
            }
        }

        var excluded = input.HostOutputDirectories
            .Select(path => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path, Path.GetDirectoryName(project)!)))
            .Where(path => IsInside(workspace, path))
            .Select(path => ToContainerPath(workspace, path) + "/**");
        staged[Path.Combine(staging, InnerPropsFileName)] = InnerProps(containerProject, containerExtensions, string.Join(';', excluded), references);

        var arguments = new List<string>
        {
            "dotnet", "build", containerProject,
            "--no-restore", "--disable-build-servers", "-nodeReuse:false", "-tl:off", "-clp:NoSummary",
            "-v:" + (string.IsNullOrWhiteSpace(input.Verbosity) ? "minimal" : input.Verbosity.Trim()),
            "-p:ContainerizedBuild=false",
            "-p:_GadugiInnerBuild=true",
            "-p:BuildProjectReferences=false",
            "-p:CustomAfterDirectoryBuildProps=" + containerInnerProps,
        };
        if (!string.IsNullOrWhiteSpace(input.Configuration))
        {
            arguments.Add("-p:Configuration=" + input.Configuration);
        }

        if (!string.IsNullOrWhiteSpace(input.TargetFramework))
        {
            arguments.Add("-p:TargetFramework=" + input.TargetFramework);
        }

        arguments.AddRange(input.Properties.Where(property => !string.IsNullOrWhiteSpace(property)).Select(property => "-p:" + property.Trim()));

        var environment = ContainerizedTestPlanner.SdkEnvironment.ToList();
        if (packages is not null)
        {
            environment.Add("NUGET_PACKAGES=" + ContainerizedTestPlanner.ContainerInput);
        }

        return new ContainerizedBuildPlan(workspace, arguments, environment, staged);
    }

    /// <summary>The host path as seen in the sandbox, where <paramref name="workspace"/> is /workspace.</summary>
    public static string ToContainerPath(string workspace, string hostPath)
    {
        var relative = Path.GetRelativePath(workspace, hostPath);
        if (Path.IsPathRooted(relative) || relative == ".." || relative.StartsWith("../", StringComparison.Ordinal))
        {
            throw new GadugiException(Diagnostic.Create(TaskMessages.ResourceManager, nameof(TaskMessages.ContainerizedBuildOutsideWorkspace), hostPath, workspace));
        }

        return relative == "." ? WorkspacePaths.ContainerWorkspace : WorkspacePaths.ContainerWorkspace + "/" + relative.Replace(Path.DirectorySeparatorChar, '/');
    }

    private static string ChooseWorkspace(ContainerizedBuildInput input, string project)
    {
        var directory = Path.GetDirectoryName(project)!;
        if (!string.IsNullOrWhiteSpace(input.Workspace))
        {
            return Path.TrimEndingDirectorySeparator(Path.GetFullPath(input.Workspace, directory));
        }

        var workspace = input.ReferencedProjects
            .Select(reference => Path.GetDirectoryName(Path.GetFullPath(reference, directory))!)
            .Aggregate(directory, ContainerizedTestPlanner.CommonAncestor);
        WorkspaceGuard.EnsureNarrow(workspace, input.ProjectName, "ContainerizedBuildWorkspace");
        return workspace;
    }

    /// <summary>
    /// The sandbox sees one package folder (/input): the assets file lists only it, and every package
    /// must be there, not only in a fallback folder (GBX4057).
    /// </summary>
    private static string OnlyMountedPackageFolder(string assetsJson, string? packages, string projectName)
    {
        var root = JsonNode.Parse(assetsJson)!.AsObject();
        var libraries = root["libraries"]?.AsObject() ?? [];
        var missing = libraries
            .Where(library => (string?)library.Value?["type"] == "package")
            .Select(library => (Name: library.Key, Path: (string?)library.Value?["path"] ?? library.Key.ToLowerInvariant()))
            .Where(library => packages is null || !Directory.Exists(System.IO.Path.Combine(packages, library.Path)))
            .Select(library => library.Name)
            .ToArray();
        if (missing.Length > 0)
        {
            throw new GadugiException(Diagnostic.Create(TaskMessages.ResourceManager, nameof(TaskMessages.ContainerizedBuildPackageNotMounted), projectName, string.Join(", ", missing.Take(5)), packages ?? "(none)"));
        }

        root["packageFolders"] = new JsonObject { [ContainerizedTestPlanner.ContainerInput + "/"] = new JsonObject() };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Copies a project's restore output (project.assets.json, nuget.g.props/targets) with the sandbox's paths.</summary>
    private static void Stage(Dictionary<string, string> staged, string project, string extensions, string stagingDirectory, string containerStaging, string workspace, string? packages, string projectName)
    {
        var assets = Path.Combine(extensions, "project.assets.json");
        var restoreOutputs = Directory.EnumerateFiles(extensions, Path.GetFileName(project) + ".*")
            .Where(file => file.EndsWith(".props", StringComparison.Ordinal) || file.EndsWith(".targets", StringComparison.Ordinal))
            .Append(assets);
        foreach (var file in restoreOutputs)
        {
            var text = ReplacePath(File.ReadAllText(file), extensions, containerStaging.TrimEnd('/'));
            if (packages is not null)
            {
                text = ReplacePath(text, packages, ContainerizedTestPlanner.ContainerInput);
            }

            text = ReplacePath(text, workspace, WorkspacePaths.ContainerWorkspace);
            if (file == assets)
            {
                text = OnlyMountedPackageFolder(text, packages, projectName);
            }

            staged[Path.Combine(stagingDirectory, Path.GetFileName(file))] = text;
        }
    }

    /// <summary>
    /// Replaces a directory path where it stands whole: followed by '/', a quote, '&lt;', ';', white space
    /// or the end (NuGet writes NuGetPackageRoot with or without the trailing '/', as NUGET_PACKAGES was given).
    /// </summary>
    internal static string ReplacePath(string text, string hostDirectory, string containerDirectory) =>
        Regex.Replace(text, Regex.Escape(hostDirectory) + @"(?=[/""'<;\s]|$)", containerDirectory.Replace("$", "$$", StringComparison.Ordinal), RegexOptions.CultureInvariant);

    private static bool IsInside(string workspace, string path)
    {
        var relative = Path.GetRelativePath(workspace, path);
        return !(Path.IsPathRooted(relative) || relative == ".." || relative.StartsWith("../", StringComparison.Ordinal));
    }

    private static string InnerProps(string containerProject, string containerExtensions, string excludes, IReadOnlyList<(string ContainerProject, string ContainerExtensions)> references) => $"""
        <Project>
          <!-- Written by Gadugi.BuildExec for the containerized build of {SecurityElement.Escape(containerProject)}: only that project's obj/bin move. -->
          <PropertyGroup Condition="'$(MSBuildProjectFullPath)' == '{SecurityElement.Escape(containerProject)}'">
            <MSBuildProjectExtensionsPath>{SecurityElement.Escape(containerExtensions)}</MSBuildProjectExtensionsPath>
            <BaseIntermediateOutputPath>{ContainerOutput}/obj/</BaseIntermediateOutputPath>
            <IntermediateOutputPath>{ContainerOutput}/obj/</IntermediateOutputPath>
            <OutDir>{ContainerOutput}/bin/</OutDir>
            <AppendTargetFrameworkToOutputPath>false</AppendTargetFrameworkToOutputPath>
            <AppendRuntimeIdentifierToOutputPath>false</AppendRuntimeIdentifierToOutputPath>
            <DefaultItemExcludes>$(DefaultItemExcludes);{SecurityElement.Escape(excludes)}</DefaultItemExcludes>
          </PropertyGroup>
        {string.Concat(references.Select(reference => $"""
          <PropertyGroup Condition="'$(MSBuildProjectFullPath)' == '{SecurityElement.Escape(reference.ContainerProject)}'">
            <MSBuildProjectExtensionsPath>{SecurityElement.Escape(reference.ContainerExtensions)}</MSBuildProjectExtensionsPath>
          </PropertyGroup>

        """))}</Project>
        """;
}
