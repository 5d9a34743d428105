using System.Diagnostics;
using System.Runtime.CompilerServices;
using Gadugi.BuildExec.Core.Audit;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Core.Logging;
using Gadugi.BuildExec.Core.Policies;
using Gadugi.BuildExec.Core.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;


namespace Gadugi.BuildExec.Core.Execution;

/// <summary>
/// Runs commands in fresh, hardened containers: one container per execution, removed on every
/// path. At most <see cref="ExecutorOptions.MaxConcurrency"/> run at once; the rest queue.
/// </summary>
/// <remarks>
/// Each sandbox is a container whose own process only sleeps; the command runs through exec. That
/// keeps the container's cgroup alive after the command ends, so peak memory and CPU time can be read
/// before removal, and lets /output be copied out. Cancellation does not throw: the sandbox, if it
/// was created, is killed and removed, and the (audited) result says <see cref="KillReason.Cancelled"/>.
/// </remarks>
public sealed class SandboxExecutor : IAsyncDisposable
{
    private readonly ExecutorOptions _options;
    private readonly ILogger _logger;
    private readonly ExecutionQueue _queue;
    private readonly EngineSession _engine;
    private readonly AuditTrail _audit;
    private readonly DeferredRemovals? _removals;

    public SandboxExecutor(ExecutorOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        _options = options ?? new ExecutorOptions();
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<SandboxExecutor>();
        _queue = new ExecutionQueue(_options.MaxConcurrency, _options.MachineSlotsDirectory);
        _audit = new AuditTrail(_options.AuditLogPath is null ? null : new AuditLog(_options.AuditLogPath));
        _removals = _options.RemoveAfterAnswer ? new DeferredRemovals() : null;
        _engine = new EngineSession(_options.Endpoint, _options.Engine, _options.ReapStaleContainers, _options.Firewall, _options.Time, _logger, _audit.Path);
    }

    public string? AuditLogPath => _audit.Path;

    public async Task<ExecutionResult> RunAsync(ExecutionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var executionId = ExecutionIds.Choose(request.ExecutionId);
        using var activity = ExecutionTelemetry.Start(request, executionId);
        try
        {
            var result = await RunAsync(request, executionId, activity, cancellationToken).ConfigureAwait(false);
            ExecutionTelemetry.Ended(activity, request, result);
            return result;
        }
        catch (Exception ex)
        {
            ExecutionTelemetry.Failed(activity, request, ex);
            throw;
        }
    }

    private async Task<ExecutionResult> RunAsync(ExecutionRequest request, string executionId, Activity? activity, CancellationToken cancellationToken)
    {
        var requestedAt = _options.Time.GetUtcNow();
        var total = Stopwatch.StartNew();
        request = RequestValidator.Validate(request, EngineSocketGuard.SocketPaths(_options.Endpoint));
        await RefuseAsync(request, executionId, requestedAt, RequestValidator.EnforceEnvironmentAllowlist, cancellationToken).ConfigureAwait(false);
        await RefuseAsync(request, executionId, requestedAt, InputSizeCheck.Enforce, cancellationToken).ConfigureAwait(false);

        TimeSpan? queueTime = null;
        var clock = new PhaseClock();

        // A run served by a prepared sandbox takes that sandbox's id (its labels carry it).
        var identity = new StrongBox<string>(executionId);
        try
        {
            using var ticket = await _queue.EnterAsync(cancellationToken).ConfigureAwait(false);
            queueTime = total.Elapsed;
            clock.End((phases, time) => phases with { Queue = time });
            var run = new RunContext(request, executionId, requestedAt, total, queueTime.Value)
            {
                Clock = clock,
                AuditLog = _audit.Path,
                RecordStartAsync = (sandboxId, image) => _audit.RecordStartAsync(request, identity.Value!, sandboxId, image, _options.Time.GetUtcNow()),
                AdoptExecutionId = id =>
                {
                    identity.Value = id;
                    activity?.SetTag("gadugi.execution.id", id);
                },
            };
            var (result, image) = await RunAdmittedAsync(run, cancellationToken).ConfigureAwait(false);
            var recorded = await _audit.RecordAsync(request, result with { TotalTime = total.Elapsed }, image, requestedAt).ConfigureAwait(false);
            clock.End((phases, time) => phases with { Audit = time });
            return recorded with { Phases = clock.Phases };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled outside the command (queued, or while its sandbox was set up, which is
            // then already removed): a result and an audit record like any other cancellation.
            Log.Step(_logger, identity.Value!, "cancelled", total.ElapsedMilliseconds);
            var cancelled = Cancelled(identity.Value!, request, queueTime ?? total.Elapsed, total.Elapsed);
            return await _audit.RecordAsync(request, cancelled, null, requestedAt).ConfigureAwait(false);
        }
        catch (GadugiException ex)
        {
            await _audit.TryRecordFailureAsync(request, identity.Value!, ex, requestedAt).ConfigureAwait(false);
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException and not OperationCanceledException)
        {
            // A bug must not also cost the run its record: whatever ran is recorded as failed (GBX9000).
            var unexpected = new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.Unexpected), ex.GetType().Name + ": " + ex.Message), ex);
            await _audit.TryRecordFailureAsync(request, identity.Value!, unexpected, requestedAt).ConfigureAwait(false);
            throw;
        }
    }

    private static ExecutionResult Cancelled(string executionId, ExecutionRequest request, TimeSpan queueTime, TimeSpan totalTime) => new()
    {
        ExecutionId = executionId,
        Policy = request.Policy.Name,
        ExitCode = 130,
        KillReason = KillReason.Cancelled,
        QueueTime = queueTime,
        TotalTime = totalTime,
        Image = request.Policy.Image,

        // Nothing ran, so nothing ran outside a sandbox either.
        Sandboxed = true,
        Events = [new SecurityEvent("cancelled", "the caller cancelled before the execution was complete; its sandbox, if one was created, was removed")],
    };

    private async Task<(ExecutionResult, AuditImage?)> RunAdmittedAsync(RunContext run, CancellationToken cancellationToken)
    {
        var engine = await _engine.ConnectAsync(cancellationToken).ConfigureAwait(false);
        if (engine is HostEngine host)
        {
            // No container engine answers: only a policy that says fallback: shell runs on the host.
            return run.Request.Policy.Fallback == FallbackMode.Shell
                ? (await HostFallback.RunAsync(run, _logger, cancellationToken).ConfigureAwait(false), null)
                : throw host.Unavailable;
        }

        Log.Step(_logger, run.ExecutionId, "connected", run.Total.ElapsedMilliseconds);
        run.Clock.End((phases, time) => phases with { Connect = time });
        var runtime = SandboxRuntimes.Choose(run.Request.Policy, await RuntimesAsync(engine, run, cancellationToken).ConfigureAwait(false));
        return await new SandboxRun(engine, _options, _logger, _removals).RunAsync(run, runtime, cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyCollection<string>> RuntimesAsync(ISandboxEngine engine, RunContext run, CancellationToken cancellationToken)
    {
        if (run.Request.Policy.Runtime == SandboxRuntime.Runc)
        {
            return [];
        }

        try
        {
            return await _engine.RuntimesAsync(engine, cancellationToken).ConfigureAwait(false);
        }
        catch (SandboxEngineException ex)
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.EngineFailedDuringRun), run.ExecutionId, run.Request.Policy.Name, ex.Message.TrimEnd('.', ' ', '\n')), ex);
        }
    }

    /// <summary>Runs a pre-flight check; a refusal is audited as denied before it reaches the caller.</summary>
    private async Task RefuseAsync(ExecutionRequest request, string executionId, DateTimeOffset time, Action<ExecutionRequest> check, CancellationToken cancellationToken)
    {
        try
        {
            check(request);
        }
        catch (GadugiException error)
        {
            await _audit.RecordRefusalAsync(request, executionId, error, time, cancellationToken).ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // While the engine connection still stands: sandboxes frozen after their runs answered are removed.
        if (_removals is not null)
        {
            await _removals.WhenAllAsync().ConfigureAwait(false);
        }

        await _engine.DisposeAsync().ConfigureAwait(false);
        _queue.Dispose();
    }
}
