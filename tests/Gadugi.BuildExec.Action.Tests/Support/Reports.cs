using Gadugi.BuildExec.Action.Reporting;
using Gadugi.BuildExec.Action.Running;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Policies;

namespace Gadugi.BuildExec.Action.Tests.Support;

/// <summary>Run reports as the runner would assemble them, for tests of what is written and sent.</summary>
public static class Reports
{
    public static SandboxPolicy Policy { get; } = PolicyDefaults.BuiltIn["shell"];

    public static StepOutcome Passed(int number, string line) => new()
    {
        Step = new PlannedStep(number, line, ["bash", "-c", line]),
        Result = Result(0, null),
        Tail = ["ok"],
    };

    public static StepOutcome Failed(int number, string line, int exitCode, IReadOnlyList<string> tail, KillReason? killReason = null) => new()
    {
        Step = new PlannedStep(number, line, ["bash", "-c", line]),
        Result = Result(exitCode, killReason),
        Tail = tail,
    };

    public static StepOutcome NotRun(int number, string line) => new()
    {
        Step = new PlannedStep(number, line, ["bash", "-c", line]),
        Error = Diagnostic.Create(Gadugi.BuildExec.Action.Resources.ActionMessages.ResourceManager, nameof(Gadugi.BuildExec.Action.Resources.ActionMessages.ActionStepNotRun), number, line, "GBX1201: Image 'gadugi/shell:5.2' is not present"),
    };

    public static RunReport Of(params StepOutcome[] steps) => new()
    {
        CheckName = "gadugi",
        Policy = Policy.Name,
        Steps = steps,
        Audit = new AuditSummary("/home/runner/work/_temp/_github_home/gadugi/audit.jsonl", true, new Core.Audit.AuditVerification(true, steps.Length, new string('a', 64), null, null), steps.Length, steps.Length),
    };

    public static IReadOnlyList<Annotation> Annotations(int count) =>
        Enumerable.Range(1, count)
            .Select(i => new Annotation($"src/File{i % 7}.cs", i, 5, i % 3 == 0 ? AnnotationSeverity.Warning : AnnotationSeverity.Error, "CS" + (1000 + i), $"problem {i}", 2))
            .ToList();

    private static ExecutionResult Result(int exitCode, KillReason? killReason) => new()
    {
        ExecutionId = Guid.NewGuid().ToString("N")[..12],
        Policy = "shell",
        ExitCode = exitCode,
        KillReason = killReason,
        WallTime = TimeSpan.FromMilliseconds(1234),
        Usage = new ResourceUsage(5 * 1024 * 1024, TimeSpan.FromMilliseconds(100), true),
        Sandboxed = true,
        Limits = new AppliedLimits { MemoryBytes = 512L * 1024 * 1024, Cpus = 1, PidsLimit = 256, NetworkMode = "none", ReadOnlyRootfs = true, Timeout = TimeSpan.FromMinutes(30) },
    };
}
