using System.IO.Compression;
using System.Text.Json;
using System.Xml.Linq;

namespace Gadugi.BuildExec.Tasks.Tests.EndToEnd;

/// <summary>The nupkg that 'dotnet pack src/Tasks' made for the end-to-end tests, opened as a consumer's NuGet would.</summary>
[TestClass]
[DoNotParallelize]
[TestCategory("EndToEnd")]
public sealed class PackageContentTests
{
    private static async Task<ZipArchive> OpenPackageAsync()
    {
        var solution = await SampleSolution.GetAsync();
        var package = Path.Combine(solution.Feed, $"Gadugi.BuildExec.{SampleSolution.PackageVersion}.nupkg");
        Assert.IsTrue(File.Exists(package), package);
        return ZipFile.OpenRead(package);
    }

    private static string Read(ZipArchive archive, string entry)
    {
        using var reader = new StreamReader(archive.GetEntry(entry)!.Open());
        return reader.ReadToEnd();
    }

    [TestMethod]
    public async Task Build_buildMultiTargeting_and_tasks_folders_and_no_lib()
    {
        using var archive = await OpenPackageAsync();
        var entries = archive.Entries.Select(e => e.FullName).ToList();

        CollectionAssert.IsSubsetOf(
            new[]
            {
                "build/Gadugi.BuildExec.props", "build/Gadugi.BuildExec.targets", "build/Gadugi.BuildExec.ContainerizedTest.targets",
                "build/Gadugi.BuildExec.ContainerizedBuild.targets", "build/Gadugi.BuildExec.policies.yaml",
                "buildMultiTargeting/Gadugi.BuildExec.props", "buildMultiTargeting/Gadugi.BuildExec.targets",
                "tasks/net10.0/Gadugi.BuildExec.Tasks.dll", "tasks/net10.0/Gadugi.BuildExec.Tasks.deps.json", "tasks/net10.0/Gadugi.BuildExec.Core.dll",
            },
            entries,
            string.Join("\n", entries));
        Assert.IsFalse(entries.Any(e => e.StartsWith("lib/", StringComparison.Ordinal) || e.StartsWith("ref/", StringComparison.Ordinal)), "no lib/ or ref/: nothing is referenced by the consumer's compilation\n" + string.Join("\n", entries));
        Assert.IsFalse(entries.Any(e => e.StartsWith("tasks/net10.0/Microsoft.Build", StringComparison.Ordinal)), "MSBuild's own assemblies come from the MSBuild that loads the task");
    }

    [TestMethod]
    public async Task Every_runtime_assembly_of_the_tasks_closure_is_in_tasks_net10()
    {
        using var archive = await OpenPackageAsync();
        var packed = archive.Entries.Where(e => e.FullName.StartsWith("tasks/net10.0/", StringComparison.Ordinal)).Select(e => e.Name).ToHashSet();

        using var deps = JsonDocument.Parse(Read(archive, "tasks/net10.0/Gadugi.BuildExec.Tasks.deps.json"));
        var target = deps.RootElement.GetProperty("targets").EnumerateObject().Single().Value;
        var runtime = target.EnumerateObject()
            .Where(library => library.Value.TryGetProperty("runtime", out _))
            .SelectMany(library => library.Value.GetProperty("runtime").EnumerateObject().Select(file => Path.GetFileName(file.Name)))
            .ToArray();

        CollectionAssert.IsSubsetOf(new[] { "Gadugi.BuildExec.Core.dll", "Docker.DotNet.dll", "YamlDotNet.dll", "Polly.Core.dll", "Microsoft.Extensions.Logging.Abstractions.dll" }, runtime);
        var missing = runtime.Where(file => !packed.Contains(file)).ToArray();
        Assert.IsEmpty(missing, "deps.json names runtime assemblies the package lacks: " + string.Join(", ", missing));
    }

    [TestMethod]
    public async Task The_nuspec_marks_a_development_dependency_without_package_dependencies()
    {
        using var archive = await OpenPackageAsync();
        var nuspec = XDocument.Parse(Read(archive, "Gadugi.BuildExec.nuspec"));
        var metadata = nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata");

        Assert.AreEqual("Gadugi.BuildExec", metadata.Elements().Single(e => e.Name.LocalName == "id").Value);
        Assert.AreEqual("true", metadata.Elements().Single(e => e.Name.LocalName == "developmentDependency").Value);
        Assert.IsFalse(metadata.Elements().Any(e => e.Name.LocalName == "dependencies"), "the closure is packed in tasks/, nothing flows to consumers:\n" + nuspec);
    }

    [TestMethod]
    public async Task The_nuspec_carries_readme_license_repository_and_the_assembly_is_deterministic_with_source_link()
    {
        using var archive = await OpenPackageAsync();
        var metadata = XDocument.Parse(Read(archive, "Gadugi.BuildExec.nuspec")).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string Field(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value ?? string.Empty;
        var repository = metadata.Elements().Single(e => e.Name.LocalName == "repository");

        Assert.AreEqual("README.md", Field("readme"));
        Assert.IsNotNull(archive.GetEntry("README.md"), "the readme is in the package");
        Assert.AreEqual("MIT", Field("license"));
        Assert.AreEqual("https://github.com/gadugi/gadugi-buildexec", Field("projectUrl"));
        Assert.AreEqual("git", (string?)repository.Attribute("type"));
        Assert.AreEqual("https://github.com/gadugi/gadugi-buildexec", (string?)repository.Attribute("url"));
        Assert.MatchesRegex("^[0-9a-f]{40}$", (string?)repository.Attribute("commit") ?? string.Empty, "SourceLink records the commit");

        using var tasks = new MemoryStream();
        await archive.GetEntry("tasks/net10.0/Gadugi.BuildExec.Tasks.dll")!.Open().CopyToAsync(tasks);
        tasks.Position = 0;
        using var pe = new System.Reflection.PortableExecutable.PEReader(tasks);
        Assert.IsTrue(pe.ReadDebugDirectory().Any(entry => entry.Type == System.Reflection.PortableExecutable.DebugDirectoryEntryType.Reproducible), "built deterministically");
    }
}
