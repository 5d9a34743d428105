using Microsoft.Build.Framework;

namespace Gadugi.BuildExec.Tasks;

/// <summary>
/// Computes the sandbox workspace, argv and environment of a containerized test run
/// (<see cref="ContainerizedTestPlanner"/>); the targets then run it with <see cref="ContainerExec"/>.
/// </summary>
public sealed class PrepareContainerizedTest : PrepareContainerizedRun
{
    [Required]
    public string ProjectName { get; set; } = string.Empty;

    [Required]
    public string ProjectDirectory { get; set; } = string.Empty;

    [Required]
    public string TargetPath { get; set; } = string.Empty;

    [Required]
    public string TrxFileName { get; set; } = string.Empty;

    public string? TestCaseFilter { get; set; }

    public string? RunSettings { get; set; }

    /// <summary>dotnet test --collect ($(VSTestCollect)).</summary>
    public string[]? Collect { get; set; }

    /// <summary>dotnet test --logger ($(VSTestLogger)).</summary>
    public string[]? Loggers { get; set; }

    public bool Blame { get; set; }

    public bool BlameCrash { get; set; }

    public bool BlameHang { get; set; }

    public string? BlameHangDumpType { get; set; }

    public string? BlameHangTimeout { get; set; }

    /// <summary>dotnet test --diag ($(VSTestDiag)).</summary>
    public string? Diag { get; set; }

    /// <summary>$(VSTestTestAdapterPath): where data collectors such as coverlet.collector are found.</summary>
    public string[]? TestAdapterPath { get; set; }

    protected override (string Workspace, IReadOnlyList<string> Arguments, IReadOnlyList<string> Environment) Plan(string packages)
    {
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
                PackagesDirectory = packages.Length > 0 ? packages : null,
                Forwarding = new TestRunForwarding
                {
                    Collect = Collect ?? [],
                    Loggers = Loggers ?? [],
                    Blame = Blame,
                    BlameCrash = BlameCrash,
                    BlameHang = BlameHang,
                    BlameHangDumpType = BlameHangDumpType,
                    BlameHangTimeout = BlameHangTimeout,
                    Diag = Diag,
                    TestAdapterPaths = TestAdapterPath ?? [],
                },
            },
            packagesMounted: packages.Length > 0);
        return (plan.Workspace, plan.Arguments, plan.Environment);
    }
}
