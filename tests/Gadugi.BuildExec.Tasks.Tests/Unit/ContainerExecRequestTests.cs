using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Tasks.Tests.Unit;

[TestClass]
public sealed class ContainerExecRequestTests
{
    private static readonly string Project = Path.Combine(Path.GetTempPath(), "gbx-project");

    private static string CodeOf(Action action) => Assert.ThrowsExactly<GadugiException>(action).Code;

    [TestMethod]
    public void Command_runs_with_bash_c_under_the_shell_policy_by_default()
    {
        var request = ContainerExecRequest.Build(new ContainerExecSettings { Command = "make all && echo done" }, Project);

        CollectionAssert.AreEqual(new[] { "bash", "-c", "make all && echo done" }, request.Command.ToArray());
        Assert.AreEqual("shell", request.Policy.Name);
        Assert.AreEqual(PolicyDefaults.BuiltIn["shell"].Image, request.Policy.Image);
        Assert.AreEqual(Project, request.WorkingDirectory);
        Assert.AreEqual("msbuild", request.Caller);
        Assert.IsNull(request.InputDirectory);
        Assert.IsNull(request.OutputDirectory);
    }

    [TestMethod]
    public void Arguments_are_argv_verbatim_without_a_shell()
    {
        var request = ContainerExecRequest.Build(new ContainerExecSettings { Arguments = ["python3", "-c", "print('a; b')"], Policy = "python" }, Project);

        CollectionAssert.AreEqual(new[] { "python3", "-c", "print('a; b')" }, request.Command.ToArray());
        Assert.AreEqual("python", request.Policy.Name);
    }

    [TestMethod]
    public void Command_and_Arguments_together_or_neither_is_GBX4006()
    {
        Assert.AreEqual("GBX4006", CodeOf(() => ContainerExecRequest.Build(new ContainerExecSettings(), Project)));
        Assert.AreEqual("GBX4006", CodeOf(() => ContainerExecRequest.Build(new ContainerExecSettings { Command = "  " }, Project)));
        Assert.AreEqual("GBX4006", CodeOf(() => ContainerExecRequest.Build(new ContainerExecSettings { Command = "ls", Arguments = ["ls"] }, Project)));
    }

    [TestMethod]
    public void Directories_are_resolved_against_the_project_without_trailing_separators()
    {
        var request = ContainerExecRequest.Build(
            new ContainerExecSettings { Command = "true", WorkingDirectory = "src/", InputDirectory = "../in", OutputDirectory = "out/results/" },
            Project);

        Assert.AreEqual(Path.Combine(Project, "src"), request.WorkingDirectory);
        Assert.AreEqual(Path.GetFullPath(Path.Combine(Project, "..", "in")), request.InputDirectory);
        Assert.AreEqual(Path.Combine(Project, "out", "results"), request.OutputDirectory);
    }

    [TestMethod]
    public void Overrides_replace_the_policy_values()
    {
        var request = ContainerExecRequest.Build(
            new ContainerExecSettings { Command = "true", Image = "gadugi/dotnet-sdk:10.0.401", Timeout = "90s", Memory = "2g", Cpus = "1.5", Network = "bridge" },
            Project);

        Assert.AreEqual("gadugi/dotnet-sdk:10.0.401", request.Policy.Image);
        Assert.AreEqual(TimeSpan.FromSeconds(90), request.Policy.Timeout);
        Assert.AreEqual(2L * 1024 * 1024 * 1024, request.Policy.MemoryBytes);
        Assert.AreEqual(1.5m, request.Policy.Cpus);
        Assert.AreEqual(NetworkMode.Bridge, request.Policy.Network.Mode);
    }

    [TestMethod]
    public void Timeout_is_milliseconds_as_in_Exec_or_a_duration()
    {
        Assert.AreEqual(TimeSpan.FromMilliseconds(1500), ContainerExecRequest.ParseTimeout("1500"));
        Assert.AreEqual(TimeSpan.FromMinutes(30), ContainerExecRequest.ParseTimeout("30m"));
        Assert.IsNull(ContainerExecRequest.ParseTimeout(""));
    }

    [TestMethod]
    [DataRow("Timeout", "0")]
    [DataRow("Timeout", "soon")]
    [DataRow("Timeout", "25h")]
    [DataRow("Memory", "1m")]
    [DataRow("Memory", "lots")]
    [DataRow("Cpus", "-1")]
    [DataRow("Network", "host")]
    [DataRow("Image", "two words")]
    public void Invalid_override_is_GBX4008_naming_the_parameter(string parameter, string value)
    {
        var settings = parameter switch
        {
            "Timeout" => new ContainerExecSettings { Command = "true", Timeout = value },
            "Memory" => new ContainerExecSettings { Command = "true", Memory = value },
            "Cpus" => new ContainerExecSettings { Command = "true", Cpus = value },
            "Network" => new ContainerExecSettings { Command = "true", Network = value },
            _ => new ContainerExecSettings { Command = "true", Image = value },
        };

        var error = Assert.ThrowsExactly<GadugiException>(() => ContainerExecRequest.Build(settings, Project));

        Assert.AreEqual("GBX4008", error.Code);
        StringAssert.Contains(error.Message, $"{parameter}='{value}'");
    }

    [TestMethod]
    public void Environment_entries_are_NAME_equals_VALUE_and_the_last_one_wins()
    {
        var environment = ContainerExecRequest.ParseEnvironment(["CI=true", "URL=a=b", "CI=1", ""]);

        Assert.HasCount(2, environment);
        Assert.AreEqual("1", environment["CI"]);
        Assert.AreEqual("a=b", environment["URL"]);
    }

    [TestMethod]
    [DataRow("NOVALUE")]
    [DataRow("1BAD=x")]
    [DataRow("=x")]
    [DataRow("A-B=x")]
    public void Malformed_environment_entry_is_GBX4007(string entry)
    {
        Assert.AreEqual("GBX4007", CodeOf(() => ContainerExecRequest.ParseEnvironment([entry])));
    }

    [TestMethod]
    public void Policy_file_policies_are_found_and_unknown_names_are_GBX2008()
    {
        var file = Path.Combine(Project, "policies.yaml");
        var set = PolicyFileLoader.Parse("policies:\n  build:\n    image: gadugi/dotnet-sdk:1\n    memory: 3g\n    env: [CI]\n", file);

        var request = ContainerExecRequest.Build(
            new ContainerExecSettings { Command = "true", Policy = "build", PolicyFile = "policies.yaml", EnvironmentVariables = ["CI=1"] },
            Project,
            path => path == file ? set : throw new AssertFailedException("unexpected policy file " + path));

        Assert.AreEqual("gadugi/dotnet-sdk:1", request.Policy.Image);
        Assert.AreEqual(3L * 1024 * 1024 * 1024, request.Policy.MemoryBytes);
        Assert.AreEqual("1", request.Environment["CI"]);
        Assert.AreEqual("GBX2008", CodeOf(() => ContainerExecRequest.Build(new ContainerExecSettings { Command = "true", Policy = "nope", PolicyFile = "policies.yaml" }, Project, _ => set)));
    }

    [TestMethod]
    public void The_package_policy_file_defines_the_dotnet_policy()
    {
        var set = PolicyFileLoader.LoadFile(Path.Combine(Support.Repo.BuildDirectory, "Gadugi.BuildExec.policies.yaml"));
        var dotnet = set.Resolve("dotnet");

        Assert.IsGreaterThanOrEqualTo(2L * 1024 * 1024 * 1024, dotnet.MemoryBytes);
        Assert.IsGreaterThanOrEqualTo(1024L, dotnet.PidsLimit);
        Assert.AreEqual(TimeSpan.FromMinutes(30), dotnet.Timeout);
        Assert.AreEqual(NetworkMode.None, dotnet.Network.Mode);
        Assert.AreEqual(WorkspaceAccess.ReadOnly, dotnet.Workspace);
        Assert.AreEqual(FallbackMode.None, dotnet.Fallback);
        foreach (var variable in ContainerizedTestPlanner.SdkEnvironment.Select(entry => entry.Split('=')[0]).Append("NUGET_PACKAGES"))
        {
            CollectionAssert.Contains(dotnet.EnvAllowlist.ToList(), variable, "the containerized test run passes " + variable);
        }
    }
}
