using Gadugi.BuildExec.Tasks.Tests.Support;
using Microsoft.Build.Evaluation;
using Microsoft.Build.Execution;

namespace Gadugi.BuildExec.Tasks.Tests.Targets;

/// <summary>
/// The package's props and targets in a real MSBuild evaluation of an SDK project, imported where NuGet
/// imports them (props before the body, targets after the SDK's common targets), with the task
/// assembly overridden by GadugiTasksAssembly as a consumer could.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class TargetsTests
{
    private const string NoEngine = "unix:///nonexistent/gadugi-targets-tests.sock";
    private string _directory = null!;

    [TestInitialize]
    public void CreateDirectory()
    {
        _directory = Path.Combine(Path.GetTempPath(), "gbx-targets-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
    }

    [TestCleanup]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    private ProjectInstance Evaluate(string body, IDictionary<string, string>? globalProperties = null)
    {
        var path = Path.Combine(_directory, "Sample.csproj");
        File.WriteAllText(path, $"""
            <Project>
              <Import Project="Sdk.props" Sdk="Microsoft.NET.Sdk" />
              <Import Project="{Repo.BuildDirectory}/Gadugi.BuildExec.props" />
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <GadugiTasksAssembly>{Repo.TasksAssembly}</GadugiTasksAssembly>
              </PropertyGroup>
              {body}
              <Import Project="Sdk.targets" Sdk="Microsoft.NET.Sdk" />
              <Import Project="{Repo.BuildDirectory}/Gadugi.BuildExec.targets" />
            </Project>
            """);
        using var collection = new ProjectCollection(globalProperties ?? new Dictionary<string, string>());
        return new ProjectInstance(path, globalProperties ?? new Dictionary<string, string>(), null, collection);
    }

    private static EventRecorder Build(ProjectInstance project, params string[] targets)
    {
        var recorder = new EventRecorder();
        project.Build(targets, [recorder.Logger]);
        return recorder;
    }

    [TestMethod]
    public void Without_ContainerizedTest_VSTest_is_the_SDKs()
    {
        var project = Evaluate("<PropertyGroup><IsTestProject>true</IsTestProject></PropertyGroup>");

        Assert.AreEqual("false", project.GetPropertyValue("ContainerizedTest"));
        StringAssert.EndsWith(project.Targets["VSTest"].FullPath, "Microsoft.TestPlatform.targets");
        Assert.IsFalse(project.Targets.ContainsKey("GadugiContainerizedTest"));
    }

    [TestMethod]
    public void ContainerizedTest_replaces_VSTest_with_build_then_the_sandboxed_run()
    {
        var project = Evaluate("<PropertyGroup><IsTestProject>true</IsTestProject><ContainerizedTest>true</ContainerizedTest></PropertyGroup>");

        var vstest = project.Targets["VSTest"];
        StringAssert.EndsWith(vstest.FullPath, "Gadugi.BuildExec.ContainerizedTest.targets");
        CollectionAssert.AreEqual(
            new[] { "ShowInfoMessageIfProjectHasNoIsTestProjectProperty", "Build" },
            project.ExpandString(vstest.DependsOnTargets).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.AreEqual("GadugiContainerizedTest", vstest.Tasks.Single(t => t.Name == "CallTarget").Parameters["Targets"], "called from the body, after targets hooked before VSTest");

        var noBuild = Evaluate("<PropertyGroup><IsTestProject>true</IsTestProject></PropertyGroup>", new Dictionary<string, string> { ["ContainerizedTest"] = "true", ["VSTestNoBuild"] = "true" });
        Assert.DoesNotContain("Build", noBuild.ExpandString(noBuild.Targets["VSTest"].DependsOnTargets).Split(';'));
    }

    [TestMethod]
    public void Defaults_name_the_packaged_dotnet_policy_and_the_SDK_image()
    {
        var project = Evaluate("<PropertyGroup><IsTestProject>true</IsTestProject><ContainerizedTest>true</ContainerizedTest></PropertyGroup>");

        Assert.AreEqual(Path.Combine(Repo.BuildDirectory, "Gadugi.BuildExec.policies.yaml"), project.GetPropertyValue("GadugiPolicyFile"));
        Assert.AreEqual("gadugi/dotnet-sdk:" + project.GetPropertyValue("NETCoreSdkVersion"), project.GetPropertyValue("GadugiDotnetImage"));
        Assert.AreEqual("dotnet", project.GetPropertyValue("ContainerizedTestPolicy"));
        Assert.AreEqual(project.GetPropertyValue("GadugiDotnetImage"), project.GetPropertyValue("ContainerizedTestImage"));
        Assert.AreEqual(Path.Combine(_directory, "TestResults"), project.GetPropertyValue("ContainerizedTestResultsDirectory"));
        Assert.AreEqual(Repo.TasksAssembly, project.GetPropertyValue("GadugiTasksAssembly"));
        Assert.AreEqual("CoreCompile", project.GetPropertyValue("ContainerizedStepsBeforeTargets"));
    }

    [TestMethod]
    public void Own_policy_file_keeps_its_image_and_results_directory_follows_dotnet_test()
    {
        var project = Evaluate(
            "<PropertyGroup><IsTestProject>true</IsTestProject><ContainerizedTest>true</ContainerizedTest><GadugiPolicyFile>/etc/team/policies.yaml</GadugiPolicyFile></PropertyGroup>",
            new Dictionary<string, string> { ["VSTestResultsDirectory"] = "/tmp/results" });

        Assert.AreEqual(string.Empty, project.GetPropertyValue("GadugiDotnetImage"));
        Assert.AreEqual(string.Empty, project.GetPropertyValue("ContainerizedTestImage"));
        Assert.AreEqual("/tmp/results", project.GetPropertyValue("ContainerizedTestResultsDirectory"));
    }

    [TestMethod]
    public void VSTest_runs_the_built_assembly_through_PrepareContainerizedTest_and_ContainerExec()
    {
        var output = Path.Combine(_directory, "bin", "Debug", "net10.0");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "Sample.dll"), "not really an assembly");
        var project = Evaluate(
            "<PropertyGroup><IsTestProject>true</IsTestProject><ContainerizedTest>true</ContainerizedTest></PropertyGroup>",
            new Dictionary<string, string> { ["VSTestNoBuild"] = "true", ["GadugiEngineEndpoint"] = NoEngine, ["GadugiAuditLog"] = Path.Combine(_directory, "audit.jsonl"), ["VSTestTestCaseFilter"] = "TestCategory=Fast", ["GadugiDotnetImageFallback"] = "false" });

        var recorder = Build(project, "VSTest");

        CollectionAssert.IsSubsetOf(new[] { "GadugiContainerizedTest", "_GadugiCheckMSBuildRuntime" }, recorder.TargetsRun.ToArray(), recorder.Text);
        Assert.DoesNotContain("Build", recorder.TargetsRun.ToArray(), "VSTestNoBuild skips the build");
        var tasks = recorder.TasksRun.ToArray();
        Assert.IsLessThan(Array.IndexOf(tasks, "ContainerExec"), Array.IndexOf(tasks, "PrepareContainerizedTest"), string.Join(", ", tasks));
        Assert.IsTrue(
            recorder.Messages.Any(m => m.StartsWith("dotnet test /workspace/bin/Debug/net10.0/Sample.dll --results-directory /output --logger trx;LogFileName=Sample-net10.0.trx --logger console;verbosity=normal --filter TestCategory=Fast (sandbox: policy dotnet, image gadugi/dotnet-sdk:", StringComparison.Ordinal)),
            recorder.Text);
        Assert.AreEqual("GBX1001", recorder.Errors.Single().Code, "the dotnet policy never falls back to the host");
        Assert.DoesNotContain("ReadTestResults", tasks, "nothing to read when the run could not start");
    }

    [TestMethod]
    public void The_default_SDK_image_is_looked_up_before_the_sandbox_and_an_image_you_set_is_not()
    {
        var output = Path.Combine(_directory, "bin", "Debug", "net10.0");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "Sample.dll"), "not really an assembly");
        var globals = new Dictionary<string, string> { ["VSTestNoBuild"] = "true", ["GadugiEngineEndpoint"] = NoEngine, ["GadugiAuditLog"] = Path.Combine(_directory, "audit.jsonl"), ["GadugiDotnetSdkVersion"] = "10.0.499" };
        const string body = "<PropertyGroup><IsTestProject>true</IsTestProject><ContainerizedTest>true</ContainerizedTest></PropertyGroup>";

        var looked = Build(Evaluate(body, globals), "VSTest");
        var set = Build(Evaluate(body, new Dictionary<string, string>(globals) { ["GadugiDotnetImage"] = "gadugi/dotnet-sdk:custom" }), "VSTest");

        var tasks = looked.TasksRun.ToArray();
        Assert.IsLessThan(Array.IndexOf(tasks, "ResolveDotnetSdkImage"), Array.IndexOf(tasks, "PrepareContainerizedTest"), string.Join(", ", tasks));
        Assert.DoesNotContain("ContainerExec", tasks, "no sandbox without an image");
        Assert.AreEqual("GBX1001", looked.Errors.Single().Code, looked.Text);
        Assert.DoesNotContain("ResolveDotnetSdkImage", set.TasksRun.ToArray(), set.Text);
        Assert.Contains("ContainerExec", set.TasksRun.ToArray(), set.Text);
    }

    [TestMethod]
    [DataRow("<PropertyGroup><IsTestingPlatformApplication>true</IsTestingPlatformApplication></PropertyGroup>", null, DisplayName = "IsTestingPlatformApplication")]
    [DataRow("<PropertyGroup><TestingPlatformDotnetTestSupport>true</TestingPlatformDotnetTestSupport></PropertyGroup>", null, DisplayName = "TestingPlatformDotnetTestSupport")]
    [DataRow("", """{ "test": { "runner": "Microsoft.Testing.Platform" } }""", DisplayName = "global.json test runner")]
    public void ContainerizedTest_of_a_Microsoft_Testing_Platform_project_fails_before_the_build_with_GBX4055(string body, string? globalJson)
    {
        if (globalJson is not null)
        {
            File.WriteAllText(Path.Combine(_directory, "global.json"), globalJson);
        }

        var project = Evaluate("<PropertyGroup><IsTestProject>true</IsTestProject><ContainerizedTest>true</ContainerizedTest></PropertyGroup>" + body);

        var recorder = Build(project, "BeforeBuild");

        Assert.AreEqual("GBX4055", recorder.Errors.Single().Code, recorder.Text);
        StringAssert.Contains(recorder.Errors.Single().Message, "ContainerizedTest cannot sandbox Sample");
    }

    [TestMethod]
    public void ContainerizedTest_of_a_VSTest_project_passes_the_mode_check()
    {
        File.WriteAllText(Path.Combine(_directory, "global.json"), """{ "sdk": { "rollForward": "latestFeature" } }""");
        var project = Evaluate("<PropertyGroup><IsTestProject>true</IsTestProject><ContainerizedTest>true</ContainerizedTest></PropertyGroup>");

        var recorder = Build(project, "BeforeBuild");

        CollectionAssert.Contains(recorder.TargetsRun.ToArray(), "_GadugiCheckContainerizedTestMode", recorder.Text);
        Assert.IsEmpty(recorder.Errors, recorder.Text);
    }

    [TestMethod]
    public void ContainerizedBuild_replaces_Build_with_references_steps_and_the_sandboxed_build()
    {
        var plain = Evaluate(string.Empty);
        StringAssert.EndsWith(plain.Targets["Build"].FullPath, "Microsoft.Common.CurrentVersion.targets");

        var project = Evaluate(string.Empty, new Dictionary<string, string> { ["ContainerizedBuild"] = "true" });

        var build = project.Targets["Build"];
        StringAssert.EndsWith(build.FullPath, "Gadugi.BuildExec.ContainerizedBuild.targets");
        CollectionAssert.AreEqual(
            new[] { "BuildOnlySettings", "BeforeBuild", "ResolveProjectReferences", "GadugiContainerizedSteps", "GadugiContainerizedBuild", "GetTargetPathWithTargetPlatformMoniker", "AfterBuild" },
            build.DependsOnTargets.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.AreEqual("dotnet", project.GetPropertyValue("ContainerizedBuildPolicy"));
        Assert.AreEqual(project.GetPropertyValue("GadugiDotnetImage"), project.GetPropertyValue("ContainerizedBuildImage"));
        Assert.AreEqual(Path.Combine(_directory, "obj", "gadugi-build", "Debug", "net10.0") + "/", project.GetPropertyValue("_GadugiBuildDirectory"), project.GetPropertyValue("_GadugiBuildDirectory"));
    }

    [TestMethod]
    public void ContainerizedBuild_chains_an_earlier_CustomAfterMicrosoftCommonTargets()
    {
        var chained = Path.Combine(_directory, "custom.targets");
        File.WriteAllText(chained, "<Project><PropertyGroup><ChainedImported>yes</ChainedImported></PropertyGroup></Project>");

        File.WriteAllText(Path.Combine(_directory, "Directory.Build.props"), $"<Project><PropertyGroup><CustomAfterMicrosoftCommonTargets>{chained}</CustomAfterMicrosoftCommonTargets></PropertyGroup></Project>");

        var project = Evaluate(string.Empty, new Dictionary<string, string> { ["ContainerizedBuild"] = "true" });

        Assert.AreEqual("yes", project.GetPropertyValue("ChainedImported"));
        StringAssert.EndsWith(project.Targets["Build"].FullPath, "Gadugi.BuildExec.ContainerizedBuild.targets");
    }

    [TestMethod]
    public void ContainerizedBuild_with_CustomAfterMicrosoftCommonTargets_on_the_command_line_fails_with_GBX4054()
    {
        var project = Evaluate(string.Empty, new Dictionary<string, string> { ["ContainerizedBuild"] = "true", ["CustomAfterMicrosoftCommonTargets"] = Path.Combine(_directory, "none.targets") });

        var recorder = Build(project, "BeforeBuild");

        Assert.AreEqual("GBX4054", recorder.Errors.Single().Code, recorder.Text);
    }

    [TestMethod]
    public void ContainerizedBuild_with_the_hook_replaced_in_the_project_fails_with_GBX4054_before_building()
    {
        var project = Evaluate(
            "<PropertyGroup><CustomAfterMicrosoftCommonTargets>$(MSBuildProjectDirectory)/none.targets</CustomAfterMicrosoftCommonTargets></PropertyGroup>",
            new Dictionary<string, string> { ["ContainerizedBuild"] = "true" });

        StringAssert.EndsWith(project.Targets["Build"].FullPath, "Microsoft.Common.CurrentVersion.targets");
        var recorder = Build(project, "BeforeBuild");

        Assert.AreEqual("GBX4054", recorder.Errors.Single().Code, recorder.Text);
    }

    [TestMethod]
    public void ContainerizedBuild_set_in_the_project_file_fails_with_GBX4054_instead_of_building_on_the_host()
    {
        var project = Evaluate("<PropertyGroup><ContainerizedBuild>true</ContainerizedBuild></PropertyGroup>");

        StringAssert.EndsWith(project.Targets["Build"].FullPath, "Microsoft.Common.CurrentVersion.targets");
        var recorder = Build(project, "BeforeBuild");

        var error = recorder.Errors.Single();
        Assert.AreEqual("GBX4054", error.Code, recorder.Text);
        StringAssert.Contains(error.Message, "set in the project file");
    }

    [TestMethod]
    public void ContainerizedStep_items_run_before_the_hooked_target_in_order()
    {
        File.WriteAllText(Path.Combine(_directory, "policies.yaml"), "policies:\n  hostok:\n    image: gadugi/shell:5.2\n    fallback: shell\n");
        var project = Evaluate("""
            <PropertyGroup>
              <ContainerizedStepsBeforeTargets>Package</ContainerizedStepsBeforeTargets>
              <GadugiPolicyFile>$(MSBuildProjectDirectory)/policies.yaml</GadugiPolicyFile>
            </PropertyGroup>
            <ItemGroup>
              <ContainerizedStep Include="first" Command="echo step-one" Policy="hostok" />
              <ContainerizedStep Include="second" Command="echo step-two; exit 4" Policy="hostok" IgnoreExitCode="true" />
            </ItemGroup>
            <Target Name="Package"><Message Importance="high" Text="package-ran" /></Target>
            """,
            new Dictionary<string, string> { ["GadugiEngineEndpoint"] = NoEngine, ["GadugiAuditLog"] = Path.Combine(_directory, "audit.jsonl") });

        // BuildOnlySettings is what every real build runs first (it sets BuildingProject).
        var recorder = Build(project, "BuildOnlySettings", "Package");

        var messages = recorder.Messages.ToList();
        var one = messages.IndexOf("step-one");
        var two = messages.IndexOf("step-two");
        var package = messages.IndexOf("package-ran");
        Assert.IsTrue(one >= 0 && two > one && package > two, recorder.Text);
        Assert.IsEmpty(recorder.Errors, recorder.Text);
        Assert.AreEqual(2, recorder.Events.OfType<Microsoft.Build.Framework.BuildWarningEventArgs>().Count(w => w.Code == "GBX4009"), "each step warns that it ran on the host");
    }

    [TestMethod]
    [DataRow("DesignTimeBuild", "true", "BuildOnlySettings", DisplayName = "design-time build")]
    [DataRow("Configuration", "Debug", "Package", DisplayName = "hooked target called outside a build (BuildingProject false)")]
    public void ContainerizedStep_items_start_no_sandbox_outside_a_real_build(string property, string value, string firstTarget)
    {
        var project = Evaluate(
            """
            <PropertyGroup><ContainerizedStepsBeforeTargets>Package</ContainerizedStepsBeforeTargets></PropertyGroup>
            <ItemGroup><ContainerizedStep Include="first" Command="echo step-one" /></ItemGroup>
            <Target Name="Package"><Message Importance="high" Text="package-ran" /></Target>
            """,
            new Dictionary<string, string> { [property] = value, ["GadugiEngineEndpoint"] = NoEngine, ["GadugiAuditLog"] = Path.Combine(_directory, "audit.jsonl") });

        var recorder = Build(project, firstTarget, "Package");

        CollectionAssert.Contains(recorder.Messages.ToList(), "package-ran", recorder.Text);
        Assert.DoesNotContain("_GadugiRunContainerizedStep", recorder.TargetsRun.ToArray(), recorder.Text);
        Assert.IsEmpty(recorder.Errors, "a sandbox was asked for (the engine is unreachable, so it fails)\n" + recorder.Text);
        Assert.IsFalse(File.Exists(Path.Combine(_directory, "audit.jsonl")), "nothing was audited because nothing ran");
    }

    [TestMethod]
    public void A_ContainerizedStep_with_up_to_date_outputs_is_skipped_and_one_without_outputs_runs()
    {
        File.WriteAllText(Path.Combine(_directory, "policies.yaml"), "policies:\n  hostok:\n    image: gadugi/shell:5.2\n    fallback: shell\n");
        File.WriteAllText(Path.Combine(_directory, "in.txt"), "input");
        File.WriteAllText(Path.Combine(_directory, "out.txt"), "output");
        File.SetLastWriteTimeUtc(Path.Combine(_directory, "in.txt"), DateTime.UtcNow.AddHours(-2));
        var project = Evaluate(
            """
            <PropertyGroup>
              <ContainerizedStepsBeforeTargets>Package</ContainerizedStepsBeforeTargets>
              <GadugiPolicyFile>$(MSBuildProjectDirectory)/policies.yaml</GadugiPolicyFile>
            </PropertyGroup>
            <ItemGroup>
              <ContainerizedStep Include="cached" Command="echo cached-step-ran" Policy="hostok" Inputs="in.txt" Outputs="out.txt" />
              <ContainerizedStep Include="always" Command="echo always-step-ran" Policy="hostok" />
            </ItemGroup>
            <Target Name="Package" />
            """,
            new Dictionary<string, string> { ["GadugiEngineEndpoint"] = NoEngine, ["GadugiAuditLog"] = Path.Combine(_directory, "audit.jsonl") });
        File.SetLastWriteTimeUtc(Path.Combine(_directory, "Sample.csproj"), DateTime.UtcNow.AddHours(-2));
        File.SetLastWriteTimeUtc(Path.Combine(_directory, "out.txt"), DateTime.UtcNow.AddHours(-1));

        var upToDate = Build(project, "BuildOnlySettings", "Package");
        File.SetLastWriteTimeUtc(Path.Combine(_directory, "in.txt"), DateTime.UtcNow);
        var changed = Build(project, "BuildOnlySettings", "Package");

        Assert.DoesNotContain("cached-step-ran", upToDate.Messages.ToArray(), upToDate.Text);
        CollectionAssert.Contains(upToDate.Messages.ToList(), "always-step-ran", upToDate.Text);
        CollectionAssert.Contains(changed.Messages.ToList(), "cached-step-ran", changed.Text);
    }

    [TestMethod]
    public void An_MSBuild_older_than_the_one_the_tasks_are_compiled_against_gets_GBX4018()
    {
        // This machine has one SDK: an older MSBuild is played by raising the oldest supported version above it.
        var project = Evaluate(string.Empty, new Dictionary<string, string> { ["_GadugiOldestMSBuildVersion"] = "99.0" });
        var current = Evaluate(string.Empty);

        var older = Build(project, "_GadugiCheckMSBuildRuntime");
        var supported = Build(current, "_GadugiCheckMSBuildRuntime");

        Assert.AreEqual("GBX4018", older.Errors.Single().Code, older.Text);
        StringAssert.Contains(older.Errors.Single().Message, "this build runs MSBuild " + current.GetPropertyValue("MSBuildVersion"));
        Assert.IsEmpty(supported.Errors, supported.Text);
    }

    [TestMethod]
    public void The_tasks_are_compiled_against_the_oldest_supported_MSBuild()
    {
        using var stream = File.OpenRead(Repo.TasksAssembly);
        using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
        var metadata = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(pe);
        var references = metadata.AssemblyReferences.Select(handle => metadata.GetAssemblyReference(handle))
            .ToDictionary(reference => metadata.GetString(reference.Name), reference => reference.Version);

        Assert.AreEqual(new Version(15, 1, 0, 0), references["Microsoft.Build.Framework"], "MSBuild's assembly version stays 15.1; the package version is what counts");
        var assets = File.ReadAllText(Path.Combine(Repo.Root, "artifacts", "obj", "Gadugi.BuildExec.Tasks", "project.assets.json"));
        StringAssert.Contains(assets, "\"Microsoft.Build.Framework/18.0.2\"");
        Assert.DoesNotContain("\"Microsoft.Build.Framework/18.9", assets);
    }
}
