using System.Text.Json;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Tasks.Tests.Support;
using Gadugi.BuildExec.Core.Engine.Docker;

namespace Gadugi.BuildExec.Tasks.Tests.EndToEnd;

/// <summary>
/// One packed package in a local feed and one sample solution made with 'dotnet new', shared by all
/// end-to-end tests (created on first use): Sample.Tool (a classlib whose targets run ContainerExec),
/// Sample.Tests (an MSTest project for ContainerizedTest) and Sample.OtherTask (a task package that
/// brings other YamlDotNet and Microsoft.Extensions.Logging.Abstractions versions into the same build).
/// </summary>
internal sealed class SampleSolution
{
    public const string PackageVersion = "0.1.0-e2e";

    /// <summary>The coverlet.collector of the machine's package copy, for --collect "XPlat Code Coverage".</summary>
    public const string CoverletVersion = "6.0.4";
    private static readonly Lazy<Task<SampleSolution>> Instance = new(CreateAsync);

    private SampleSolution(string root)
    {
        Root = root;
        Feed = Path.Combine(root, "feed");
        AuditLog = Path.Combine(root, "audit.jsonl");
        Environment = new Dictionary<string, string>
        {
            ["NUGET_PACKAGES"] = Path.Combine(root, "packages"),
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
            ["DOTNET_CLI_UI_LANGUAGE"] = "en",
            ["MSBUILDDISABLENODEREUSE"] = "1",
            ["GADUGI_AUDIT_LOG"] = AuditLog,
        };
    }

    public string Root { get; }

    public string Feed { get; }

    public string AuditLog { get; }

    public IReadOnlyDictionary<string, string> Environment { get; }

    public string Tool => Path.Combine(Root, "Sample.Tool");

    public string Tests => Path.Combine(Root, "Sample.Tests");

    /// <summary>A console app for ContainerizedBuild=true; Broken.cs (a compile error) is compiled only with Broken=true.</summary>
    public string Built => Path.Combine(Root, "Sample.Built");

    /// <summary>The class library Sample.Built references (also with the package, so also built in a sandbox).</summary>
    public string BuiltLibrary => Path.Combine(Root, "Sample.BuiltLibrary");

    /// <summary>An MSTest project with &lt;TargetFrameworks&gt; (outer and inner builds) and a ContainerizedStep item.</summary>
    public string Multi => Path.Combine(Root, "Sample.Multi");

    /// <summary>The shared solution; created once (a failure is reported to every test that needs it).</summary>
    public static Task<SampleSolution> GetAsync() => Instance.Value;

    /// <summary>Removes the solution's directory, if one was made.</summary>
    public static void DeleteIfCreated()
    {
        if (Instance.IsValueCreated && Instance.Value.IsCompletedSuccessfully)
        {
            Directory.Delete(Instance.Value.Result.Root, recursive: true);
        }
    }

    /// <summary>dotnet with the solution's environment; child builds never linger (no node reuse, no build servers).</summary>
    public Task<ProcessResult> DotnetAsync(string workingDirectory, params string[] arguments) => DotnetAsync(workingDirectory, null, arguments);

    public Task<ProcessResult> DotnetAsync(string workingDirectory, IReadOnlyDictionary<string, string>? extraEnvironment, params string[] arguments)
    {
        var environment = new Dictionary<string, string>(Environment);
        foreach (var (name, value) in extraEnvironment ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }

        var isBuild = arguments.Length > 0 && arguments[0] is "build" or "test" or "msbuild" or "pack" or "restore";
        return ProcessRunner.RunAsync(workingDirectory, environment, isBuild ? [.. arguments, "-nodeReuse:false", "--disable-build-servers"] : arguments);
    }

    /// <summary>The record that ended each of this solution's executions (their 'started' records left out).</summary>
    public IReadOnlyList<JsonElement> AuditRecords() =>
        File.Exists(AuditLog)
            ? File.ReadAllLines(AuditLog).Where(line => line.Length > 0).Select(line => JsonDocument.Parse(line).RootElement.Clone())
                .Where(record => record.GetProperty("status").GetString() != "started").ToArray()
            : [];

    /// <summary>Sandbox containers of this solution's executions that still exist.</summary>
    public async Task<IReadOnlyList<string>> LeftoverContainersAsync()
    {
        var ids = AuditRecords().Select(r => r.GetProperty("id").GetString()!).ToHashSet();
        using var engine = await EngineConnection.ConnectAsync();
        var containers = await engine.Client.Containers.ListContainersAsync(new Docker.DotNet.Models.ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [ContainerLabels.Managed + "=true"] = true } },
        });
        return containers
            .Where(c => c.Labels != null && c.Labels.TryGetValue(ContainerLabels.Execution, out var id) && ids.Contains(id))
            .Select(c => c.ID[..12] + " " + c.Labels![ContainerLabels.Execution])
            .ToArray();
    }

    private static async Task<SampleSolution> CreateAsync()
    {
        var solution = new SampleSolution(Path.Combine(Path.GetTempPath(), "gbx-e2e-" + Guid.NewGuid().ToString("N")[..12]));
        Directory.CreateDirectory(solution.Feed);
        // The task project was built with these tests (same configuration): pack that build, do not rebuild it.
        await solution.CheckAsync(Repo.Root, "pack", Repo.TasksProject, "--no-build", "-c", Repo.Configuration, "-o", solution.Feed, "-p:Version=" + PackageVersion);
        await File.WriteAllTextAsync(Path.Combine(solution.Root, "nuget.config"), LocalFeedNuGetConfig.For(solution.Feed));

        await solution.CheckAsync(solution.Root, "new", "classlib", "-n", "Sample.Tool", "-o", solution.Tool, "--no-restore");
        await solution.CheckAsync(solution.Root, "new", "mstest", "-n", "Sample.Tests", "-o", solution.Tests, "--no-restore");
        await solution.CheckAsync(solution.Root, "new", "console", "-n", "Sample.Built", "-o", solution.Built, "--no-restore");
        await solution.CheckAsync(solution.Root, "new", "classlib", "-n", "Sample.BuiltLibrary", "-o", solution.BuiltLibrary, "--no-restore");
        await solution.CheckAsync(solution.Root, "new", "mstest", "-n", "Sample.Multi", "-o", solution.Multi, "--no-restore");
        await solution.CheckAsync(solution.Root, "new", "classlib", "-n", "Sample.OtherTask", "-o", Path.Combine(solution.Root, "Sample.OtherTask"), "--no-restore");

        AddToProject(Path.Combine(solution.Tool, "Sample.Tool.csproj"), ToolTargets);
        AddToProject(Path.Combine(solution.Tests, "Sample.Tests.csproj"), $"""<ItemGroup><PackageReference Include="Gadugi.BuildExec" Version="{PackageVersion}" /><PackageReference Include="coverlet.collector" Version="{CoverletVersion}" /></ItemGroup>""");
        File.Delete(Path.Combine(solution.Tests, "Test1.cs"));
        await File.WriteAllTextAsync(Path.Combine(solution.Tests, "SampleTests.cs"), SampleTests);
        AddToProject(Path.Combine(solution.Built, "Sample.Built.csproj"), $"""<ItemGroup><PackageReference Include="Gadugi.BuildExec" Version="{PackageVersion}" /><ProjectReference Include="../Sample.BuiltLibrary/Sample.BuiltLibrary.csproj" /><Compile Remove="Broken.cs" Condition="'$(Broken)' != 'true'" /></ItemGroup><Target Name="ShowPackage" AfterTargets="CoreCompile"><Message Importance="high" Text="package props from $(GadugiTasksAssembly)" /></Target>""");
        await File.WriteAllTextAsync(Path.Combine(solution.Built, "Program.cs"), "System.Console.WriteLine(Sample.BuiltLibrary.Greeting.Text + \": \" + typeof(Program).Assembly.GetName().Name);\n");
        AddToProject(Path.Combine(solution.BuiltLibrary, "Sample.BuiltLibrary.csproj"), $"""<ItemGroup><PackageReference Include="Gadugi.BuildExec" Version="{PackageVersion}" /></ItemGroup>""");
        File.Delete(Path.Combine(solution.BuiltLibrary, "Class1.cs"));
        await File.WriteAllTextAsync(Path.Combine(solution.BuiltLibrary, "Greeting.cs"), "namespace Sample.BuiltLibrary;\n\npublic static class Greeting { public static string Text => \"built in the sandbox\"; }\n");
        await File.WriteAllTextAsync(Path.Combine(solution.Built, "Broken.cs"), "namespace Sample.Built;\n\ninternal static class Broken { public static int Value => \"not a number\"; }\n");
        MakeMultiTargeting(Path.Combine(solution.Multi, "Sample.Multi.csproj"));
        AddToProject(Path.Combine(solution.Multi, "Sample.Multi.csproj"), MultiProject);
        AddToProject(Path.Combine(solution.Root, "Sample.OtherTask", "Sample.OtherTask.csproj"), OtherTaskProject);
        File.Delete(Path.Combine(solution.Root, "Sample.OtherTask", "Class1.cs"));
        await File.WriteAllTextAsync(Path.Combine(solution.Root, "Sample.OtherTask", "YamlProbe.cs"), OtherTaskSource);
        Directory.CreateDirectory(Path.Combine(solution.Tool, ".gadugi"));
        await File.WriteAllTextAsync(Path.Combine(solution.Tool, ".gadugi", "passing.yaml"), PassingWorkflow);
        await File.WriteAllTextAsync(Path.Combine(solution.Tool, ".gadugi", "failing.yaml"), FailingWorkflow);
        await File.WriteAllTextAsync(Path.Combine(solution.Tool, "conflict.policies.yaml"), "policies:\n  quick:\n    image: gadugi/shell:5.2\n    memory: 256m\n    timeout: 2m\n");

        await solution.CheckAsync(solution.Root, "build", Path.Combine(solution.Root, "Sample.OtherTask"), "-c", "Release");
        await solution.CheckAsync(solution.Root, "restore", solution.Tool);
        await solution.CheckAsync(solution.Root, "restore", solution.Tests);
        await solution.CheckAsync(solution.Root, "restore", solution.Built);
        await solution.CheckAsync(solution.Root, "restore", solution.Multi);
        return solution;
    }

    private async Task CheckAsync(string workingDirectory, params string[] arguments)
    {
        var result = await DotnetAsync(workingDirectory, arguments);
        Assert.AreEqual(0, result.ExitCode, $"dotnet {string.Join(' ', arguments)} failed:\n{result.Output}");
    }

    private static void AddToProject(string projectFile, string xml)
    {
        var text = File.ReadAllText(projectFile);
        var end = text.LastIndexOf("</Project>", StringComparison.Ordinal);
        File.WriteAllText(projectFile, text[..end] + xml + "\n</Project>\n");
    }

    /// <summary>The second target framework of Sample.Multi: an alias of net10.0 (no other targeting pack is offline).</summary>
    public const string SecondFramework = "netalias";

    /// <summary>
    /// &lt;TargetFrameworks&gt; with two frameworks: net10.0 and <see cref="SecondFramework"/>, a framework
    /// alias the SDK resolves to .NET 10 as well (the one targeting pack this machine has offline), so
    /// the outer build dispatches to two inner builds with their own output folders.
    /// </summary>
    private static void MakeMultiTargeting(string projectFile)
    {
        var text = File.ReadAllText(projectFile);
        Assert.Contains("<TargetFramework>net10.0</TargetFramework>", text);
        File.WriteAllText(projectFile, text.Replace(
            "<TargetFramework>net10.0</TargetFramework>",
            $"<TargetFrameworks>net10.0;{SecondFramework}</TargetFrameworks>",
            StringComparison.Ordinal));
        AddToProject(projectFile, $"""
              <PropertyGroup Condition="'$(TargetFramework)' == '{SecondFramework}'">
                <TargetFrameworkIdentifier>.NETCoreApp</TargetFrameworkIdentifier>
                <TargetFrameworkVersion>v10.0</TargetFrameworkVersion>
                <TargetFrameworkMoniker>.NETCoreApp,Version=v10.0</TargetFrameworkMoniker>
                <TargetPlatformIdentifier></TargetPlatformIdentifier>
              </PropertyGroup>
            """);
    }

    private const string ToolTargets = $$"""
        <ItemGroup>
          <PackageReference Include="Gadugi.BuildExec" Version="{{PackageVersion}}" />
        </ItemGroup>
        <UsingTask TaskName="Sample.OtherTask.YamlProbe" AssemblyFile="$(MSBuildProjectDirectory)/../Sample.OtherTask/bin/Release/net10.0/Sample.OtherTask.dll" />

        <Target Name="SandboxHello" AfterTargets="Build" Condition="'$(RunHello)' == 'true'">
          <ContainerExec Command="echo hello from the sandbox; id -u; echo '/workspace/Class1.cs(1,2): warning XY1: careful'; echo to-stderr &gt;&amp;2" ConsoleToMSBuild="true">
            <Output TaskParameter="ConsoleOutput" ItemName="HelloLine" />
            <Output TaskParameter="ExecutionId" PropertyName="HelloExecution" />
          </ContainerExec>
          <Message Importance="high" Text="captured: @(HelloLine, '|') (execution $(HelloExecution))" />
        </Target>

        <ItemGroup Condition="'$(IncrementalStep)' == 'true'">
          <ContainerizedStep Include="copy-input" Command="cp step-input.txt /output/copied.txt" OutputDirectory="$(MSBuildProjectDirectory)/obj/step-out" Inputs="step-input.txt" Outputs="$(MSBuildProjectDirectory)/obj/step-out/copied.txt" />
        </ItemGroup>

        <Target Name="SandboxFail" AfterTargets="Build" Condition="'$(RunFail)' == 'true'">
          <ContainerExec Command="echo about to fail; exit 3" />
        </Target>

        <Target Name="SandboxTimeout" AfterTargets="Build" Condition="'$(RunTimeout)' == 'true'">
          <ContainerExec Command="echo sleeping; sleep 60" Timeout="3s" />
        </Target>

        <Target Name="SandboxSleep" AfterTargets="Build" Condition="'$(RunSleep)' != ''">
          <ContainerExec Command="echo sleeping-$(RunSleep); sleep 600" Timeout="15m" />
        </Target>

        <Target Name="SandboxWorkflow" AfterTargets="Build" Condition="'$(RunWorkflow)' != ''">
          <ContainerWorkflow File=".gadugi/$(RunWorkflow).yaml" MaxParallel="2" ContinueOnError="ErrorAndContinue">
            <Output TaskParameter="RunId" PropertyName="WorkflowRunId" />
            <Output TaskParameter="SummaryPath" PropertyName="WorkflowSummary" />
            <Output TaskParameter="FailedPhases" ItemName="WorkflowFailedPhase" />
          </ContainerWorkflow>
          <Message Importance="high" Text="workflow run=$(WorkflowRunId) summary=$(WorkflowSummary) failed=[@(WorkflowFailedPhase, ',')] logs=[@(WorkflowFailedPhase->'%(Log)', ',')]" />
        </Target>

        <Target Name="SandboxConflict" AfterTargets="Build" Condition="'$(RunConflict)' == 'true'">
          <YamlProbe />
          <ContainerExec Arguments="cat;conflict.policies.yaml" Policy="quick" PolicyFile="conflict.policies.yaml" />
          <YamlProbe />
        </Target>
        """;

    /// <summary>A workflow for &lt;ContainerWorkflow&gt;: two tasks, two phases, all passing.</summary>
    public const string PassingWorkflow = """
        version: 1
        isolation: directory
        phases:
          - { id: build, policy: shell, steps: [ { run: 'echo built $GADUGI_TASK > /output/built.txt' } ] }
          - { id: check, policy: shell, inputs: [build], steps: [ { run: 'cat /input/build/built.txt' } ] }
        tasks:
          - { id: one }
          - { id: two }
        """;

    /// <summary>One task fails its phase; the task that needs it is blocked.</summary>
    public const string FailingWorkflow = """
        version: 1
        isolation: directory
        phases:
          - { id: build, policy: shell, steps: [ { run: '[ "$GADUGI_TASK" != bad ] || { echo broken-in-bad >&2; exit 4; }' } ] }
        tasks:
          - { id: good }
          - { id: bad }
          - { id: after, needs: [bad] }
        """;

    private const string MultiProject = $$"""
        <ItemGroup>
          <PackageReference Include="Gadugi.BuildExec" Version="{{PackageVersion}}" />
          <ContainerizedStep Include="stamp" Command="echo containerized-step-for-$(TargetFramework)" />
        </ItemGroup>
        """;

    private const string OtherTaskProject = """
        <PropertyGroup>
          <CopyLocalLockFileAssemblies>true</CopyLocalLockFileAssemblies>
          <Nullable>disable</Nullable>
        </PropertyGroup>
        <ItemGroup>
          <PackageReference Include="Microsoft.Build.Utilities.Core" Version="18.9.6" ExcludeAssets="runtime" PrivateAssets="all" />
          <PackageReference Include="YamlDotNet" Version="13.7.1" />
          <PackageReference Include="Microsoft.Extensions.Logging.Abstractions" Version="8.0.0" />
        </ItemGroup>
        """;

    private const string OtherTaskSource = """
        using System.IO;
        using Microsoft.Extensions.Logging.Abstractions;
        using YamlDotNet.RepresentationModel;

        namespace Sample.OtherTask;

        /// Another package's task, with older YamlDotNet and Microsoft.Extensions.Logging.Abstractions.
        public sealed class YamlProbe : Microsoft.Build.Utilities.Task
        {
            public override bool Execute()
            {
                var stream = new YamlStream();
                stream.Load(new StringReader("probe: 13"));
                NullLogger.Instance.GetType();
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High,
                    "YamlProbe: YamlDotNet {0}, Microsoft.Extensions.Logging.Abstractions {1}, value {2}",
                    typeof(YamlStream).Assembly.GetName().Version,
                    typeof(NullLogger).Assembly.GetName().Version,
                    ((YamlMappingNode)stream.Documents[0].RootNode).Children[new YamlScalarNode("probe")]);
                return true;
            }
        }
        """;

    private const string SampleTests = """
        namespace Sample.Tests;

        [TestClass]
        public sealed class ArithmeticTests
        {
            [TestMethod]
            public void Adds() => Assert.AreEqual(4, 2 + 2);

            [TestMethod]
            [DataRow(1)]
            [DataRow(2)]
            public void Positive(int value) => Assert.IsGreaterThan(0, value);
        }

        [TestClass]
        public sealed class SandboxTests
        {
            [TestMethod]
            [TestCategory("SandboxOnly")]
            public void Runs_without_network_as_the_sandbox_user()
            {
                var interfaces = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces();
                Assert.IsTrue(interfaces.All(i => i.NetworkInterfaceType == System.Net.NetworkInformation.NetworkInterfaceType.Loopback), string.Join(", ", interfaces.Select(i => i.Name)));
                Assert.AreEqual("/tmp", System.Environment.GetEnvironmentVariable("HOME"));
            }

            [TestMethod]
            [TestCategory("SandboxOnly")]
            public void Cannot_write_the_source_tree()
            {
                Assert.Throws<Exception>(() => File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "written-by-test.txt"), "x"));
            }
        }

        [TestClass]
        public sealed class BrokenTests
        {
            [TestMethod]
            [TestCategory("Broken")]
            public void Breaks() => Assert.Fail("deliberately broken");
        }
        """;
}
