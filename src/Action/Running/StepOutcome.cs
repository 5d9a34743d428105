using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Execution;

namespace Gadugi.BuildExec.Action.Running;

/// <summary>What became of one step: its execution result, or the coded reason it could not run.</summary>
public sealed record StepOutcome
{
    /// <summary>Exit code reported for a step that could not run (as gadugi-exec does for engine or policy errors).</summary>
    public const int NotRunExitCode = 125;

    public required PlannedStep Step { get; init; }

    public ExecutionResult? Result { get; init; }

    public Diagnostic? Error { get; init; }

    /// <summary>The last lines of the step's output.</summary>
    public IReadOnlyList<string> Tail { get; init; } = [];

    public bool Failed => Result is null || !Result.Succeeded;

    public int ExitCode => Result?.ExitCode ?? NotRunExitCode;
}
