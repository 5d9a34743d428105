using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Gadugi.BuildExec.Core.Workflows;

/// <summary>One task of a run: its directory (a fresh worktree, or its folder), then its phases in order.</summary>
internal sealed class TaskRun(WorkflowRunContext run, WorkflowTask task, TaskState known, bool retryFailed)
{
    private WorkflowDefinition Workflow => run.Workflow;

    public async Task<TaskOutcome> RunAsync(CancellationToken cancellationToken)
    {
        string directory;
        try
        {
            directory = await PrepareDirectoryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return new TaskOutcome(task.Id, WorkflowStatus.Interrupted, null);
        }
        catch (GadugiException ex)
        {
            run.Journal(new JournalEntry { Kind = JournalKinds.TaskFinished, Task = task.Id, Status = WorkflowStatus.Failed, Code = ex.Code, Detail = ex.Message });
            return new TaskOutcome(task.Id, WorkflowStatus.Failed, "(setup)");
        }

        var phases = await PhasesToRunAsync(directory, cancellationToken).ConfigureAwait(false);
        foreach (var phase in phases)
        {
            string status;
            try
            {
                status = await new PhaseRun(run, task, phase, directory).RunAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return new TaskOutcome(task.Id, WorkflowStatus.Interrupted, phase.Id);
            }

            if (status != WorkflowStatus.Passed)
            {
                run.Journal(new JournalEntry { Kind = JournalKinds.TaskFinished, Task = task.Id, Status = WorkflowStatus.Failed, Phase = phase.Id, Detail = $"phase {phase.Id} failed" });
                return new TaskOutcome(task.Id, WorkflowStatus.Failed, phase.Id);
            }
        }

        run.Journal(new JournalEntry { Kind = JournalKinds.TaskFinished, Task = task.Id, Status = WorkflowStatus.Passed });
        return new TaskOutcome(task.Id, WorkflowStatus.Passed, null);
    }

    /// <summary>
    /// The phases still to run. After an interruption (or, with --retry-failed, a failure) the worktree
    /// goes back to the task's last checkpoint and every phase after that checkpoint runs again: what
    /// an unfinished phase half-wrote is gone, and so is what a later phase built on.
    /// </summary>
    private async Task<IReadOnlyList<WorkflowPhase>> PhasesToRunAsync(string directory, CancellationToken cancellationToken)
    {
        var phases = Workflow.Phases;
        var lastCheckpoint = -1;
        for (var i = 0; i < phases.Count; i++)
        {
            if (phases[i].Checkpoint && known.Phase(phases[i].Id).Status == WorkflowStatus.Passed)
            {
                lastCheckpoint = i;
            }
        }

        var unfinished = phases.Any(p => known.Phase(p.Id) is { Started: true } state
            && (state.Status is null or WorkflowStatus.Interrupted || (state.Status == WorkflowStatus.Failed && retryFailed)));
        if (!unfinished)
        {
            return phases.Where(p => known.Phase(p.Id).Status != WorkflowStatus.Passed).ToArray();
        }

        // Only a task with a workspace: rw phase can have left half-written files; a read-only one never resets anything.
        if (Workflow.Phases.Any(p => p.Writes) && (known.LastCheckpoint ?? known.BaseCommit) is { } commit && GitRepository.TopLevel(directory) is not null)
        {
            await GitRepository.ResetAsync(directory, commit, cancellationToken).ConfigureAwait(false);
            run.Journal(new JournalEntry { Kind = JournalKinds.Checkpoint, Task = task.Id, Commit = commit, Status = "reset", Detail = "the worktree was reset to the task's last checkpoint before the run went on" });
        }

        return phases.Skip(lastCheckpoint + 1).ToArray();
    }

    private async Task<string> PrepareDirectoryAsync(CancellationToken cancellationToken)
    {
        string directory;
        if (Workflow.Isolation == WorkflowIsolation.Worktree)
        {
            directory = Path.Combine(Workflow.Root, ".worktrees", task.Id);
            if (!Directory.Exists(directory))
            {
                Directory.CreateDirectory(Path.Combine(Workflow.Root, ".worktrees"));
                await GitRepository.AddWorktreeAsync(Workflow.Root, directory, $"gadugi/{run.Store.RunId}/{task.Id}", task.Ref ?? Workflow.Base, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            directory = Path.GetFullPath(task.Dir ?? ".", Workflow.Root);
        }

        string? head = null;
        if (GitRepository.TopLevel(directory) is not null)
        {
            head = await GitRepository.HeadAsync(directory, cancellationToken).ConfigureAwait(false);
        }

        if (HostUser.Uid == 0 && Workflow.Phases.Any(p => p.Writes))
        {
            // As root a workspace: rw sandbox runs as the sandbox user, which must own what it writes.
            await ChownAsync(directory, cancellationToken).ConfigureAwait(false);
        }

        run.Journal(new JournalEntry { Kind = JournalKinds.TaskStarted, Task = task.Id, Commit = head, Detail = directory });
        known.BaseCommit ??= head;
        return directory;
    }

    private static async Task ChownAsync(string directory, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("chown") { UseShellExecute = false };
        foreach (var argument in new[] { "-hR", ContainerSpecInput.SandboxUser, directory })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>One phase of one task: its steps in fresh sandboxes sharing its output, then its gate, artifact and checkpoint.</summary>
internal sealed class PhaseRun(WorkflowRunContext run, WorkflowTask task, WorkflowPhase phase, string directory)
{
    private const string SecurityPrefix = "security";

    private static readonly JsonSerializerOptions ArtifactJson = new() { WriteIndented = true };

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var phaseDirectory = run.Store.PhaseDirectory(task.Id, phase.Id);
        if (Directory.Exists(phaseDirectory))
        {
            Directory.Delete(phaseDirectory, recursive: true);
        }

        var output = Directory.CreateDirectory(Path.Combine(phaseDirectory, "output")).FullName;
        var input = Path.Combine(phaseDirectory, "input");
        run.Journal(new JournalEntry { Kind = JournalKinds.PhaseStarted, Task = task.Id, Phase = phase.Id, Detail = phase.Policy.Name });
        var gitBefore = GitLinkGuard.Fingerprint(directory);
        var exitCodes = new Dictionary<string, int?>(StringComparer.Ordinal);
        var executions = new Dictionary<string, string>(StringComparer.Ordinal);
        string? failure = null;
        string? failureCode = null;
        await using (var log = new FileStream(Path.Combine(phaseDirectory, "log.txt"), FileMode.Append, FileAccess.Write, FileShare.Read))
        {
            using var sink = new SharedLogSink(log);
            foreach (var step in phase.Steps)
            {
                StageInput(input, output);
                var executionId = ExecutionIds.New();
                executions[step.Id] = executionId;
                run.Journal(new JournalEntry { Kind = JournalKinds.StepStarted, Task = task.Id, Phase = phase.Id, Step = step.Id, ExecutionId = executionId });
                ExecutionResult result;
                try
                {
                    result = await run.Executor.RunAsync(Request(step, executionId, input, output, sink), cancellationToken).ConfigureAwait(false);
                }
                catch (GadugiException ex)
                {
                    run.Journal(new JournalEntry { Kind = JournalKinds.StepFinished, Task = task.Id, Phase = phase.Id, Step = step.Id, ExecutionId = executionId, Status = "error", Code = ex.Code, Detail = ex.Message });
                    await sink.LineAsync(ex.Message).ConfigureAwait(false);
                    exitCodes[step.Id] = null;
                    (failure, failureCode) = ($"step {step.Id}: {ex.Message}", ex.Code);
                    break;
                }

                var passed = result.Succeeded;
                exitCodes[step.Id] = result.ExitCode;
                run.Journal(new JournalEntry
                {
                    Kind = JournalKinds.StepFinished,
                    Task = task.Id,
                    Phase = phase.Id,
                    Step = step.Id,
                    ExecutionId = executionId,
                    Status = passed ? WorkflowStatus.Passed : WorkflowStatus.Failed,
                    ExitCode = result.ExitCode,
                    KillReason = result.KillReason is { } kill ? JsonSerializer.Serialize(kill).Trim('"') : null,
                    Seconds = result.WallTime.TotalSeconds,
                    TotalSeconds = result.TotalTime.TotalSeconds,
                    PeakMemoryBytes = result.Usage.PeakMemoryBytes,
                    MemoryLimitBytes = result.Limits?.MemoryBytes ?? phase.Policy.MemoryBytes,
                    AuditSequence = result.AuditSequence,
                });
                Monitor(step, result);
                if (result.KillReason == KillReason.Cancelled && cancellationToken.IsCancellationRequested)
                {
                    run.Journal(new JournalEntry { Kind = JournalKinds.PhaseFinished, Task = task.Id, Phase = phase.Id, Status = WorkflowStatus.Interrupted });
                    throw new OperationCanceledException(cancellationToken);
                }

                if (!passed && !step.ContinueOnError)
                {
                    failure = result.KillReason is { } reason ? $"step {step.Id}: {RunWording.Killed(reason)}" : $"step {step.Id} exited {result.ExitCode}";
                    break;
                }
            }
        }

        var missing = phase.GateOutputs.Where(file => !IsRegularFile(output, file)).ToList();
        if (failure is null && missing.Count > 0)
        {
            var gate = Diagnostic.Create(nameof(DiagnosticMessages.WorkflowGateFailed), task.Id, phase.Id, string.Join(", ", missing), run.Workflow.File);
            (failure, failureCode) = (gate.Text, gate.Code);
        }

        if (phase.Writes && GitLinkGuard.Problem(directory, gitBefore) is { } gitProblem)
        {
            var security = Diagnostic.Create(nameof(DiagnosticMessages.WorkflowGitLinkChanged), task.Id, phase.Id, gitProblem);
            Warn(security, SecurityPrefix);
            (failure, failureCode) = (security.Text, security.Code);
        }

        if (phase.Artifact is not null)
        {
            WriteArtifact(phaseDirectory, exitCodes, executions, failure is null, missing);
        }

        if (failure is null && phase.Checkpoint)
        {
            var commit = await GitRepository.CommitAllAsync(directory, $"gadugi {run.Store.RunId}: {task.Id}/{phase.Id}", cancellationToken).ConfigureAwait(false);
            run.Journal(new JournalEntry { Kind = JournalKinds.Checkpoint, Task = task.Id, Phase = phase.Id, Commit = commit });
        }

        var status = failure is null ? WorkflowStatus.Passed : WorkflowStatus.Failed;
        run.Journal(new JournalEntry { Kind = JournalKinds.PhaseFinished, Task = task.Id, Phase = phase.Id, Status = status, Code = failureCode, Detail = failure });
        return status;
    }

    private ExecutionRequest Request(WorkflowStep step, string executionId, string input, string output, IOutputSink sink)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["GADUGI_RUN_ID"] = run.Store.RunId,
            ["GADUGI_TASK"] = task.Id,
            ["GADUGI_PHASE"] = phase.Id,
            ["GADUGI_STEP"] = step.Id,
        };
        foreach (var (name, value) in task.Vars)
        {
            environment["GADUGI_VAR_" + name] = value;
        }

        var runnerNames = environment.Keys.ToArray();
        var lookup = run.Options.Environment ?? System.Environment.GetEnvironmentVariable;
        foreach (var name in step.Env)
        {
            environment[name] = lookup(name) ?? string.Empty;
        }

        return new ExecutionRequest
        {
            Command = ["sh", "-c", step.Run],

            // The runner's own variables name the run and the task; the policy's allowlist governs the caller's.
            Policy = phase.Policy with
            {
                EnvAllowlist = [.. phase.Policy.EnvAllowlist.Union(runnerNames, StringComparer.Ordinal)],
                Fallback = run.Options.HonoursFallback ? phase.Policy.Fallback : FallbackMode.None,
            },
            WorkingDirectory = directory,

            // A worktree's sandbox sees only its '.git' link (GitLinkGuard watches it); a shared directory hides Git entirely.
            HideGitMetadata = run.Workflow.Isolation == WorkflowIsolation.Directory,
            InputDirectory = input,
            OutputDirectory = output,
            Environment = environment,
            Output = sink,
            Caller = run.Options.Caller,
            ExecutionId = executionId,
            Tags = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["workflow.run"] = run.Store.RunId,
                ["workflow.task"] = task.Id,
                ["workflow.phase"] = phase.Id,
                ["workflow.step"] = step.Id,
            },
        };
    }

    /// <summary>The step's /input: each input phase's output at /input/&lt;phase&gt;, and this phase's so far at /input/&lt;this phase&gt;.</summary>
    private void StageInput(string input, string output)
    {
        if (Directory.Exists(input))
        {
            Directory.Delete(input, recursive: true);
        }

        Directory.CreateDirectory(input);
        foreach (var source in phase.Inputs)
        {
            CopyTree(Path.Combine(run.Store.PhaseDirectory(task.Id, source), "output"), Path.Combine(input, source));
        }

        CopyTree(output, Path.Combine(input, phase.Id));
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        if (!Directory.Exists(from))
        {
            return;
        }

        foreach (var entry in new DirectoryInfo(from).EnumerateFileSystemInfos())
        {
            // What came back from /output holds only regular files and directories; anything else is skipped.
            if (entry.LinkTarget is not null)
            {
                continue;
            }

            if (entry is DirectoryInfo)
            {
                CopyTree(entry.FullName, Path.Combine(to, entry.Name));
            }
            else if (entry is FileInfo file)
            {
                file.CopyTo(Path.Combine(to, entry.Name));
            }
        }
    }

    private static bool IsRegularFile(string output, string relative)
    {
        var path = Path.GetFullPath(relative, output);
        return path.StartsWith(output + "/", StringComparison.Ordinal) && new FileInfo(path) is { Exists: true, LinkTarget: null };
    }

    private void Monitor(WorkflowStep step, ExecutionResult result)
    {
        if (result.KillReason is null && result.WallTime >= phase.Policy.Timeout * 0.8)
        {
            Warn(Diagnostic.Create(nameof(DiagnosticMessages.WorkflowNearTimeout), task.Id, phase.Id, step.Id, PolicyValueParser.FormatDuration(result.WallTime), PolicyValueParser.FormatDuration(phase.Policy.Timeout), phase.Policy.Name), step.Id);
        }

        var limit = result.Limits?.MemoryBytes is > 0 and var applied ? applied : phase.Policy.MemoryBytes;
        if (result.Usage.PeakMemoryBytes is { } peak && peak >= limit * 0.9)
        {
            Warn(Diagnostic.Create(nameof(DiagnosticMessages.WorkflowNearMemory), task.Id, phase.Id, step.Id, PolicyValueParser.FormatSize(peak), PolicyValueParser.FormatSize(limit), phase.Policy.Name), step.Id);
        }

        foreach (var security in result.Events.Where(e => e.Kind != "cancelled"))
        {
            Warn(Diagnostic.Create(nameof(DiagnosticMessages.WorkflowSecurityEvent), task.Id, phase.Id, step.Id, security.Kind, security.Detail, result.ExecutionId), step.Id);
        }
    }

    private void Warn(Diagnostic warning, string? step) =>
        run.Journal(new JournalEntry { Kind = JournalKinds.Warning, Task = task.Id, Phase = phase.Id, Step = step, Code = warning.Code, Detail = warning.Text });

    /// <summary>Gadugi's phase artifact (<c>&lt;step&gt;_exit_code</c>, <c>quality_gates_passed</c>), in the run folder and at the phase's <c>artifact</c> path in the task's directory.</summary>
    private void WriteArtifact(string phaseDirectory, Dictionary<string, int?> exitCodes, Dictionary<string, string> executions, bool passed, List<string> missing)
    {
        var artifact = new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["phase"] = phase.Id,
            ["task"] = task.Id,
            ["run_id"] = run.Store.RunId,
            ["quality_gates_passed"] = passed,
            ["missing_gate_outputs"] = missing,
            ["execution_ids"] = executions,
        };
        foreach (var (step, code) in exitCodes)
        {
            artifact[step + "_exit_code"] = code;
        }

        var bytes = JsonSerializer.SerializeToUtf8Bytes(artifact, ArtifactJson);
        File.WriteAllBytes(Path.Combine(phaseDirectory, "artifact.json"), bytes);

        // Into the task's directory through no link a sandbox may have planted there.
        var target = Path.GetFullPath(phase.Artifact!, directory);
        var (parent, refusal) = LinkFreePath.OpenOrCreate(Path.GetDirectoryName(target)!, directory);
        if (parent is null)
        {
            Warn(Diagnostic.Create(nameof(DiagnosticMessages.WorkflowArtifactNotWritten), task.Id, phase.Id, phase.Artifact!, refusal?.Reason ?? "?"), null);
            return;
        }

        using (parent)
        {
            var name = Path.GetFileName(target);
            var existing = Posix.Describe(parent, name);
            if (existing.Kind is not Posix.Kind.Missing and not Posix.Kind.Regular)
            {
                Warn(Diagnostic.Create(nameof(DiagnosticMessages.WorkflowArtifactNotWritten), task.Id, phase.Id, phase.Artifact!, "something other than a regular file is there"), null);
                return;
            }

            if (existing.Kind == Posix.Kind.Regular)
            {
                Posix.Unlink(parent, name);
            }

            using var file = new FileStream(Posix.CreateNewFile(parent, name, (UnixFileMode)0x1A4), FileAccess.Write);
            file.Write(bytes);
        }
    }
}

/// <summary>Both streams of every step of a phase into one log, a chunk at a time.</summary>
internal sealed class SharedLogSink(Stream log) : IOutputSink, IDisposable
{
    public void Dispose() => _gate.Dispose();

    private readonly SemaphoreSlim _gate = new(1, 1);

    public async ValueTask WriteAsync(OutputStreamKind stream, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await log.WriteAsync(data, CancellationToken.None).ConfigureAwait(false);
            await log.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public ValueTask LineAsync(string text) => WriteAsync(OutputStreamKind.Stderr, System.Text.Encoding.UTF8.GetBytes(text + "\n"), CancellationToken.None);
}
