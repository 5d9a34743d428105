using System.Text.Json.Nodes;
using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Tasks.Tests.Unit;

[TestClass]
public sealed class ContainerizedBuildPlannerTests
{
    private string _root = null!;

    private string Project => Path.Combine(_root, "repo", "App", "App.csproj");

    private string Packages => Path.Combine(_root, "packages");

    private string Staging => Path.Combine(_root, "repo", "App", "obj", "gadugi-build", "Debug", "net10.0");

    [TestInitialize]
    public void CreateTree()
    {
        _root = Path.Combine(Path.GetTempPath(), "gbx-buildplan-" + Guid.NewGuid().ToString("N"));
        var obj = Path.Combine(_root, "repo", "App", "obj");
        Directory.CreateDirectory(obj);
        Directory.CreateDirectory(Path.Combine(Packages, "foo", "1.0.0"));
        File.WriteAllText(Project, "<Project Sdk=\"Microsoft.NET.Sdk\" />");
        File.WriteAllText(Path.Combine(obj, "project.assets.json"), $$"""
            {
              "version": 3,
              "libraries": {
                "Foo/1.0.0": { "type": "package", "path": "foo/1.0.0" },
                "Lib/1.0.0": { "type": "project", "path": "../Lib/Lib.csproj" }
              },
              "packageFolders": { "{{Packages}}/": {}, "/somewhere/fallback/": {} },
              "project": { "restore": { "projectPath": "{{Project}}", "outputPath": "{{obj}}/" } }
            }
            """);
        File.WriteAllText(Path.Combine(obj, "App.csproj.nuget.g.props"), $"""
            <Project>
              <PropertyGroup>
                <ProjectAssetsFile Condition=" '$(ProjectAssetsFile)' == '' ">{obj}/project.assets.json</ProjectAssetsFile>
                <NuGetPackageRoot Condition=" '$(NuGetPackageRoot)' == '' ">{Packages}/</NuGetPackageRoot>
              </PropertyGroup>
              <Import Project="$(NuGetPackageRoot)foo/1.0.0/build/Foo.props" Condition="Exists('$(NuGetPackageRoot)foo/1.0.0/build/Foo.props')" />
            </Project>
            """);
        File.WriteAllText(Path.Combine(obj, "App.csproj.nuget.g.targets"), "<Project />");
        File.WriteAllText(Path.Combine(obj, "Other.csproj.nuget.g.props"), "<Project />");
    }

    [TestCleanup]
    public void DeleteTree() => Directory.Delete(_root, recursive: true);

    private ContainerizedBuildInput Input() => new()
    {
        ProjectName = "App (net10.0)",
        ProjectFullPath = Project,
        ProjectExtensionsPath = Path.Combine(_root, "repo", "App", "obj") + "/",
        StagingDirectory = Staging + "/",
        PackagesDirectory = Packages,
        HostOutputDirectories = ["obj/", "bin/"],
        Configuration = "Debug",
        TargetFramework = "net10.0",
    };

    [TestMethod]
    public void Builds_the_project_without_restore_with_a_props_file_scoped_to_it()
    {
        var plan = ContainerizedBuildPlanner.Plan(Input() with { Properties = ["DefineConstants=CI", " "] });

        Assert.AreEqual(Path.Combine(_root, "repo", "App"), plan.Workspace);
        CollectionAssert.AreEqual(
            new[]
            {
                "dotnet", "build", "/workspace/App.csproj", "--no-restore", "--disable-build-servers", "-nodeReuse:false", "-tl:off", "-clp:NoSummary", "-v:minimal",
                "-p:ContainerizedBuild=false", "-p:_GadugiInnerBuild=true", "-p:BuildProjectReferences=false",
                "-p:CustomAfterDirectoryBuildProps=/workspace/obj/gadugi-build/Debug/net10.0/inner.props",
                "-p:Configuration=Debug", "-p:TargetFramework=net10.0", "-p:DefineConstants=CI",
            },
            plan.Arguments.ToArray());
        CollectionAssert.Contains(plan.Environment.ToList(), "NUGET_PACKAGES=/input");

        var props = plan.StagedFiles[Path.Combine(Staging, "inner.props")];
        StringAssert.Contains(props, "Condition=\"'$(MSBuildProjectFullPath)' == '/workspace/App.csproj'\"");
        StringAssert.Contains(props, "<MSBuildProjectExtensionsPath>/workspace/obj/gadugi-build/Debug/net10.0/ext/</MSBuildProjectExtensionsPath>");
        StringAssert.Contains(props, "<IntermediateOutputPath>/output/obj/</IntermediateOutputPath>");
        StringAssert.Contains(props, "<OutDir>/output/bin/</OutDir>");
        StringAssert.Contains(props, "<DefaultItemExcludes>$(DefaultItemExcludes);/workspace/obj/**;/workspace/bin/**</DefaultItemExcludes>");
    }

    [TestMethod]
    public void The_restore_output_is_staged_with_sandbox_paths_and_only_the_mounted_package_folder()
    {
        var plan = ContainerizedBuildPlanner.Plan(Input());

        CollectionAssert.AreEquivalent(
            new[] { "inner.props", "ext/App.csproj.nuget.g.props", "ext/App.csproj.nuget.g.targets", "ext/project.assets.json" },
            plan.StagedFiles.Keys.Select(path => Path.GetRelativePath(Staging, path)).ToArray());
        var props = plan.StagedFiles[Path.Combine(Staging, "ext", "App.csproj.nuget.g.props")];
        StringAssert.Contains(props, "/workspace/obj/gadugi-build/Debug/net10.0/ext/project.assets.json</ProjectAssetsFile>");
        StringAssert.Contains(props, "<NuGetPackageRoot Condition=\" '$(NuGetPackageRoot)' == '' \">/input/</NuGetPackageRoot>");
        Assert.DoesNotContain(_root, props);

        var assets = JsonNode.Parse(plan.StagedFiles[Path.Combine(Staging, "ext", "project.assets.json")])!;
        CollectionAssert.AreEqual(new[] { "/input/" }, assets["packageFolders"]!.AsObject().Select(folder => folder.Key).ToArray());
        Assert.AreEqual("/workspace/App.csproj", (string?)assets["project"]!["restore"]!["projectPath"]);
    }

    [TestMethod]
    public void A_package_root_written_without_the_trailing_slash_is_mapped_too()
    {
        var obj = Path.Combine(_root, "repo", "App", "obj");
        File.WriteAllText(Path.Combine(obj, "App.csproj.nuget.g.props"), $"""
            <Project>
              <PropertyGroup><NuGetPackageRoot Condition=" '$(NuGetPackageRoot)' == '' ">{Packages}</NuGetPackageRoot><Other>{Packages}-other/x</Other></PropertyGroup>
              <Import Project="$(NuGetPackageRoot)/foo/1.0.0/build/Foo.props" />
            </Project>
            """);

        var props = ContainerizedBuildPlanner.Plan(Input()).StagedFiles[Path.Combine(Staging, "ext", "App.csproj.nuget.g.props")];

        StringAssert.Contains(props, "<NuGetPackageRoot Condition=\" '$(NuGetPackageRoot)' == '' \">/input</NuGetPackageRoot>");
        StringAssert.Contains(props, $"<Other>{Packages}-other/x</Other>", "only the whole directory name is replaced");
    }

    [TestMethod]
    public void Project_references_widen_the_workspace_to_hold_them()
    {
        var plan = ContainerizedBuildPlanner.Plan(Input() with { ReferencedProjects = [Path.Combine(_root, "repo", "Lib", "Lib.csproj")] });

        Assert.AreEqual(Path.Combine(_root, "repo"), plan.Workspace);
        Assert.AreEqual("/workspace/App/App.csproj", plan.Arguments[2]);
        StringAssert.Contains(plan.StagedFiles[Path.Combine(Staging, "inner.props")], "'/workspace/App/App.csproj'");
    }

    [TestMethod]
    public void A_restored_reference_gets_its_restore_output_staged_and_a_scoped_extensions_path()
    {
        var lib = Path.Combine(_root, "repo", "Lib");
        Directory.CreateDirectory(Path.Combine(lib, "obj"));
        File.WriteAllText(Path.Combine(lib, "Lib.csproj"), "<Project Sdk=\"Microsoft.NET.Sdk\" />");
        File.WriteAllText(Path.Combine(lib, "obj", "project.assets.json"), $$"""{ "libraries": {}, "packageFolders": { "{{Packages}}/": {}, "/somewhere/fallback/": {} } }""");
        File.WriteAllText(Path.Combine(lib, "obj", "Lib.csproj.nuget.g.props"), $"<Project><PropertyGroup><NuGetPackageRoot>{Packages}/</NuGetPackageRoot></PropertyGroup></Project>");

        var plan = ContainerizedBuildPlanner.Plan(Input() with { ReferencedProjects = [Path.Combine(lib, "Lib.csproj")] });

        var stagedProps = plan.StagedFiles[Path.Combine(Staging, "references", "0", "Lib.csproj.nuget.g.props")];
        StringAssert.Contains(stagedProps, "<NuGetPackageRoot>/input/</NuGetPackageRoot>");
        var assets = JsonNode.Parse(plan.StagedFiles[Path.Combine(Staging, "references", "0", "project.assets.json")])!;
        CollectionAssert.AreEqual(new[] { "/input/" }, assets["packageFolders"]!.AsObject().Select(folder => folder.Key).ToArray());
        var props = plan.StagedFiles[Path.Combine(Staging, "inner.props")];
        StringAssert.Contains(props, "<PropertyGroup Condition=\"'$(MSBuildProjectFullPath)' == '/workspace/Lib/Lib.csproj'\">");
        StringAssert.Contains(props, "<MSBuildProjectExtensionsPath>/workspace/App/obj/gadugi-build/Debug/net10.0/references/0/</MSBuildProjectExtensionsPath>");
        Assert.IsNotNull(System.Xml.Linq.XDocument.Parse(props).Root);
    }

    [TestMethod]
    public void No_restore_output_is_GBX4052()
    {
        File.Delete(Path.Combine(_root, "repo", "App", "obj", "project.assets.json"));

        Assert.AreEqual("GBX4052", Assert.ThrowsExactly<GadugiException>(() => ContainerizedBuildPlanner.Plan(Input())).Code);
    }

    [TestMethod]
    public void A_package_only_in_a_fallback_folder_is_GBX4057()
    {
        Directory.Delete(Path.Combine(Packages, "foo"), recursive: true);

        var error = Assert.ThrowsExactly<GadugiException>(() => ContainerizedBuildPlanner.Plan(Input()));

        Assert.AreEqual("GBX4057", error.Code);
        StringAssert.Contains(error.Diagnostic.Text, "Foo/1.0.0");
    }

    [TestMethod]
    public void An_explicit_workspace_without_the_staging_directory_is_GBX4053()
    {
        var input = Input() with { Workspace = Path.Combine(_root, "repo", "App", "src"), ProjectFullPath = Project };

        Assert.AreEqual("GBX4053", Assert.ThrowsExactly<GadugiException>(() => ContainerizedBuildPlanner.Plan(input)).Code);
    }

    [TestMethod]
    public void A_reference_in_an_unrelated_tree_would_widen_to_the_root_and_is_GBX4051()
    {
        var input = Input() with { ReferencedProjects = ["/proc/self/Lib.csproj"] };

        var error = Assert.ThrowsExactly<GadugiException>(() => ContainerizedBuildPlanner.Plan(input));

        Assert.AreEqual("GBX4051", error.Code);
        StringAssert.Contains(error.Diagnostic.Text, "Set ContainerizedBuildWorkspace");
    }
}
