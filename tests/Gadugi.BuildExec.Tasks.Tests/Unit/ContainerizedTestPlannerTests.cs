using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Tasks.Tests.Unit;

[TestClass]
public sealed class ContainerizedTestPlannerTests
{
    private string _root = null!;

    [TestInitialize]
    public void CreateTree()
    {
        _root = Path.Combine(Path.GetTempPath(), "gbx-plan-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(_root, "repo", "tests", "Unit", "bin", "Debug", "net10.0"));
        Directory.CreateDirectory(Path.Combine(_root, "repo", "artifacts", "bin", "Unit", "debug"));
        File.WriteAllText(Path.Combine(_root, "repo", "tests", "Unit", "bin", "Debug", "net10.0", "Unit.dll"), "x");
        File.WriteAllText(Path.Combine(_root, "repo", "artifacts", "bin", "Unit", "debug", "Unit.dll"), "x");
    }

    [TestCleanup]
    public void DeleteTree() => Directory.Delete(_root, recursive: true);

    private ContainerizedTestInput Input(string targetPath, string? workspace = null) => new()
    {
        ProjectName = "Unit",
        ProjectDirectory = Path.Combine(_root, "repo", "tests", "Unit"),
        TargetPath = Path.Combine(_root, targetPath),
        Workspace = workspace,
        TrxFileName = "Unit-net10.0.trx",
    };

    [TestMethod]
    public void Runs_dotnet_test_on_the_built_assembly_with_results_in_output()
    {
        var plan = ContainerizedTestPlanner.Plan(Input("repo/tests/Unit/bin/Debug/net10.0/Unit.dll"), packagesMounted: true);

        Assert.AreEqual(Path.Combine(_root, "repo", "tests", "Unit"), plan.Workspace);
        CollectionAssert.AreEqual(
            new[]
            {
                "dotnet", "test", "/workspace/bin/Debug/net10.0/Unit.dll",
                "--results-directory", "/output",
                "--logger", "trx;LogFileName=Unit-net10.0.trx",
                "--logger", "console;verbosity=normal",
            },
            plan.Arguments.ToArray());
        CollectionAssert.Contains(plan.Environment.ToList(), "NUGET_PACKAGES=/input");
        CollectionAssert.Contains(plan.Environment.ToList(), "DOTNET_CLI_HOME=/tmp");
        CollectionAssert.Contains(plan.Environment.ToList(), "DOTNET_CLI_TELEMETRY_OPTOUT=1");
    }

    [TestMethod]
    public void Output_outside_the_project_widens_the_workspace_to_the_nearest_common_directory()
    {
        var plan = ContainerizedTestPlanner.Plan(Input("repo/artifacts/bin/Unit/debug/Unit.dll"), packagesMounted: false);

        Assert.AreEqual(Path.Combine(_root, "repo"), plan.Workspace);
        Assert.AreEqual("/workspace/artifacts/bin/Unit/debug/Unit.dll", plan.Arguments[2]);
        Assert.IsFalse(plan.Environment.Any(e => e.StartsWith("NUGET_PACKAGES=", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void Filter_and_run_settings_are_passed_with_container_paths()
    {
        File.WriteAllText(Path.Combine(_root, "repo", "tests", "Unit", "ci.runsettings"), "<RunSettings />");
        var input = Input("repo/tests/Unit/bin/Debug/net10.0/Unit.dll") with { TestCaseFilter = "TestCategory!=Slow&Name~Adds", RunSettings = "ci.runsettings", Verbosity = "minimal" };

        var plan = ContainerizedTestPlanner.Plan(input, packagesMounted: false);

        CollectionAssert.IsSubsetOf(new[] { "--filter", "TestCategory!=Slow&Name~Adds", "--settings", "/workspace/ci.runsettings", "console;verbosity=minimal" }, plan.Arguments.ToArray());
    }

    [TestMethod]
    public void A_missing_test_assembly_is_GBX4014()
    {
        var error = Assert.ThrowsExactly<GadugiException>(() => ContainerizedTestPlanner.Plan(Input("repo/tests/Unit/bin/Release/net10.0/Unit.dll"), packagesMounted: false));

        Assert.AreEqual("GBX4014", error.Code);
    }

    [TestMethod]
    public void An_assembly_outside_an_explicit_workspace_is_GBX4015()
    {
        var input = Input("repo/artifacts/bin/Unit/debug/Unit.dll", workspace: Path.Combine(_root, "repo", "tests"));

        Assert.AreEqual("GBX4015", Assert.ThrowsExactly<GadugiException>(() => ContainerizedTestPlanner.Plan(input, packagesMounted: false)).Code);
    }

    [TestMethod]
    public void Widening_to_the_home_directory_is_GBX4051_naming_ContainerizedTestWorkspace()
    {
        var input = Input("repo/artifacts/bin/Unit/debug/Unit.dll") with { Home = Path.Combine(_root, "repo") };

        var error = Assert.ThrowsExactly<GadugiException>(() => ContainerizedTestPlanner.Plan(input, packagesMounted: false));

        Assert.AreEqual("GBX4051", error.Code);
        StringAssert.Contains(error.Diagnostic.Text, "the home directory");
        StringAssert.Contains(error.Diagnostic.Text, "Set ContainerizedTestWorkspace");
    }

    [TestMethod]
    public void Widening_to_an_ancestor_of_the_home_directory_is_GBX4051()
    {
        var input = Input("repo/artifacts/bin/Unit/debug/Unit.dll") with { Home = Path.Combine(_root, "repo", "users", "me") };

        var error = Assert.ThrowsExactly<GadugiException>(() => ContainerizedTestPlanner.Plan(input, packagesMounted: false));

        Assert.AreEqual("GBX4051", error.Code);
        StringAssert.Contains(error.Diagnostic.Text, "above the home directory");
    }

    [TestMethod]
    public void Widening_to_the_root_is_GBX4051()
    {
        Directory.CreateDirectory(Path.Combine(_root, "elsewhere"));
        File.WriteAllText(Path.Combine(_root, "elsewhere", "Unit.dll"), "x");
        var input = Input("elsewhere/Unit.dll") with { ProjectDirectory = "/proc/self", Home = "/nonexistent-home" };

        Assert.AreEqual("GBX4051", Assert.ThrowsExactly<GadugiException>(() => ContainerizedTestPlanner.Plan(input, packagesMounted: false)).Code);
    }

    [TestMethod]
    public void A_workspace_inside_the_home_directory_is_fine_and_an_explicit_one_is_the_users_choice()
    {
        var inside = Input("repo/artifacts/bin/Unit/debug/Unit.dll") with { Home = _root };
        Assert.AreEqual(Path.Combine(_root, "repo"), ContainerizedTestPlanner.Plan(inside, packagesMounted: false).Workspace);

        var explicitHome = Input("repo/artifacts/bin/Unit/debug/Unit.dll", workspace: Path.Combine(_root, "repo")) with { Home = Path.Combine(_root, "repo") };
        Assert.AreEqual(Path.Combine(_root, "repo"), ContainerizedTestPlanner.Plan(explicitHome, packagesMounted: false).Workspace);
    }

    [TestMethod]
    public void Common_ancestor_of_unrelated_trees_is_the_root()
    {
        Assert.AreEqual("/", ContainerizedTestPlanner.CommonAncestor("/a/b", "/c/d"));
        Assert.AreEqual("/a", ContainerizedTestPlanner.CommonAncestor("/a/b", "/a/bc"));
    }

    [TestMethod]
    public void Collectors_loggers_blame_and_diag_are_passed_on_with_their_files_in_output()
    {
        var input = Input("repo/tests/Unit/bin/Debug/net10.0/Unit.dll") with
        {
            Forwarding = new TestRunForwarding
            {
                Collect = ["XPlat Code Coverage"],
                Loggers = ["html;LogFileName=tests.html"],
                Blame = true,
                BlameHang = true,
                BlameHangDumpType = "none",
                BlameHangTimeout = "5min",
                Diag = "/home/me/logs/vstest.log",
            },
        };

        var arguments = ContainerizedTestPlanner.Plan(input, packagesMounted: false).Arguments;

        var forwarded = arguments.SkipWhile(a => a != "--collect").ToArray();
        CollectionAssert.AreEqual(
            new[] { "--collect", "XPlat Code Coverage", "--logger", "html;LogFileName=tests.html", "--blame", "--blame-hang-dump-type", "none", "--blame-hang-timeout", "5min", "--diag", "/output/diag/vstest.log" },
            forwarded);
    }

    [TestMethod]
    [DataRow(true, false, null, "--blame-crash", DisplayName = "crash dump")]
    [DataRow(false, true, null, "--blame-hang-dump-type full (the default)", DisplayName = "hang dump, default type")]
    [DataRow(false, true, "mini", "--blame-hang-dump-type mini", DisplayName = "hang dump, mini")]
    public void A_dump_the_sandbox_cannot_take_is_GBX4019_naming_the_option(bool crash, bool hang, string? hangDumpType, string named)
    {
        var input = Input("repo/tests/Unit/bin/Debug/net10.0/Unit.dll") with
        {
            Forwarding = new TestRunForwarding { BlameCrash = crash, BlameHang = hang, BlameHangDumpType = hangDumpType },
        };

        var error = Assert.ThrowsExactly<GadugiException>(() => ContainerizedTestPlanner.Plan(input, packagesMounted: false));

        Assert.AreEqual("GBX4019", error.Code);
        StringAssert.Contains(error.Message, $"with {named} in the sandbox");
    }

    [TestMethod]
    public void Adapter_paths_in_the_package_folder_or_the_workspace_are_passed_as_the_sandbox_sees_them()
    {
        var packages = Path.Combine(_root, "packages");
        var collector = Path.Combine(packages, "coverlet.collector", "6.0.4", "build", "netstandard2.0");
        Directory.CreateDirectory(collector);
        var input = Input("repo/tests/Unit/bin/Debug/net10.0/Unit.dll") with
        {
            PackagesDirectory = packages,
            Forwarding = new TestRunForwarding { TestAdapterPaths = ["", collector + "/", Path.Combine(_root, "repo", "tests", "Unit", "adapters")] },
        };

        var arguments = ContainerizedTestPlanner.Plan(input, packagesMounted: true).Arguments;

        CollectionAssert.AreEqual(
            new[] { "--test-adapter-path", "/input/coverlet.collector/6.0.4/build/netstandard2.0", "--test-adapter-path", "/workspace/adapters" },
            arguments.SkipWhile(a => a != "--test-adapter-path").ToArray());

        var outside = input with { Forwarding = new TestRunForwarding { TestAdapterPaths = ["/opt/elsewhere/collector"] } };
        var error = Assert.ThrowsExactly<GadugiException>(() => ContainerizedTestPlanner.Plan(outside, packagesMounted: true));
        Assert.AreEqual("GBX4019", error.Code);
        StringAssert.Contains(error.Message, "/opt/elsewhere/collector");
    }
}
