using System.Globalization;
using System.Security.Cryptography;
using Gadugi.BuildExec.Action.Logging;
using Gadugi.BuildExec.Action.Reporting;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Requests;
using Gadugi.BuildExec.Action.Resources;

namespace Gadugi.BuildExec.Action.Running;

/// <summary>
/// Runs the planned steps one after another, each in a fresh sandbox, and goes on after a failed one
/// so the report covers every step. Each step's output is a collapsible group in the job log,
/// fenced by stop-commands so that what an untrusted command prints is never taken for a workflow
/// command (no '::add-mask::', '::error::', … from inside a sandbox).
/// </summary>
public sealed class StepRunner(SandboxExecutor executor, ActionConsole console, AnnotationCollector annotations)
{
    public async Task<IReadOnlyList<StepOutcome>> RunAsync(IReadOnlyList<PlannedStep> steps, RunSettings run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(steps);
        var outcomes = new List<StepOutcome>();
        foreach (var step in steps)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                break;
            }

            var outcome = await RunOneAsync(step, run, cancellationToken).ConfigureAwait(false);
            outcomes.Add(outcome);
            Announce(outcome);
            if (outcome.Result?.KillReason == KillReason.Cancelled)
            {
                break;
            }
        }

        return outcomes;
    }

    private async Task<StepOutcome> RunOneAsync(PlannedStep step, RunSettings run, CancellationToken cancellationToken)
    {
        var sink = new StepOutputSink(console, annotations, step.Number);
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        console.Group(string.Create(CultureInfo.InvariantCulture, $"Step {step.Number}: {step.Line}"));
        console.StopCommands(token);
        try
        {
            var result = await executor.RunAsync(ExecutionRequests.Create(run with { Command = step.Command, Output = sink }), cancellationToken).ConfigureAwait(false);
            sink.Complete();
            return new StepOutcome { Step = step, Result = result, Tail = sink.Tail };
        }
        catch (GadugiException ex)
        {
            sink.Complete();
            return new StepOutcome
            {
                Step = step,
                Error = Diagnostic.Create(ActionMessages.ResourceManager, nameof(ActionMessages.ActionStepNotRun), step.Number, step.Line, ex.Message),
                Tail = sink.Tail,
            };
        }
        finally
        {
            console.ResumeCommands(token);
            console.EndGroup();
        }
    }

    private void Announce(StepOutcome outcome)
    {
        var step = outcome.Step;
        if (outcome.Error is { } error)
        {
            console.Error(error);
            return;
        }

        var result = outcome.Result!;
        var how = result.Sandboxed ? "sandboxed" : "UNSANDBOXED (fallback: shell)";
        var line = string.Create(CultureInfo.InvariantCulture, $"Step {step.Number} ({how}) exited {result.ExitCode} after {ReportFormat.Duration(result.WallTime)}");
        if (result.KillReason is { } reason)
        {
            line += ", " + RunWording.Killed(reason);
        }

        if (outcome.Failed)
        {
            console.Error(line + ": " + step.Line, title: string.Create(CultureInfo.InvariantCulture, $"Step {step.Number} failed"));
        }
        else
        {
            console.WriteLine(line);
        }

        if (!result.Sandboxed)
        {
            console.Warning($"Step {step.Number} {RunWording.Unsandboxed(result.Policy)}.");
        }
    }
}
