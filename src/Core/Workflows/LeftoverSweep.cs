namespace Gadugi.BuildExec.Core.Workflows;

/// <summary>
/// Before a run resumes: the sandboxes of steps that were started and never finished are removed,
/// the audit log gets their <c>abandoned</c> records, and the journal says so for each step.
/// </summary>
internal sealed class LeftoverSweep(WorkflowRunnerOptions options, ExecutorOptions executor)
{
    public async Task RemoveAsync(RunState state, Action<JournalEntry> journal, CancellationToken cancellationToken)
    {
        var open = state.Tasks.Values.SelectMany(task => task.OpenSteps.Values).ToList();
        if (open.Count == 0)
        {
            return;
        }

        var logger = (options.LoggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger<WorkflowRunner>();
        var engine = executor.Engine ?? await SandboxEngines.ConnectAsync(executor.Endpoint, cancellationToken).ConfigureAwait(false);
        try
        {
            var removed = new List<EngineResource>();
            foreach (var step in open)
            {
                foreach (var sandbox in await engine.ListSandboxesAsync(ContainerLabels.Execution + "=" + step.ExecutionId, cancellationToken).ConfigureAwait(false))
                {
                    await engine.RemoveAsync(sandbox.Id, cancellationToken).ConfigureAwait(false);
                    removed.Add(sandbox);
                }
            }

            var recorder = new AbandonedRunRecorder(options.Time, logger);
            await recorder.RecordAsync(removed, cancellationToken).ConfigureAwait(false);
            if (executor.AuditLogPath is { } auditLog)
            {
                // Steps whose sandbox had already ended (its keeper's own deadline, an engine restart).
                await recorder.RecordOrphansAsync(engine, auditLog, OwnerIdentity.Current, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (executor.Engine is null)
            {
                await engine.DisposeAsync().ConfigureAwait(false);
            }
        }

        foreach (var step in open)
        {
            journal(new JournalEntry
            {
                Kind = JournalKinds.StepAbandoned,
                Task = step.Task,
                Phase = step.Phase,
                Step = step.Step,
                ExecutionId = step.ExecutionId,
                Status = WorkflowStatus.Abandoned,
                Detail = "started by a process that ended before the step did; its sandbox was removed on resume",
            });
        }
    }
}
