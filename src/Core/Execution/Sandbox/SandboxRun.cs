using System.Diagnostics;
using Gadugi.BuildExec.Core.Execution.Pool;

namespace Gadugi.BuildExec.Core.Execution.Sandbox;

/// <summary>
/// One execution in one fresh sandbox of an <see cref="ISandboxEngine"/>, from creation to removal:
/// the sandbox (and, for an allowlist, its network and firewall rules) is gone when this returns, on
/// every path. With <paramref name="deferred"/>, a concluded run whose sandbox can reach nothing outside
/// itself returns once that sandbox is frozen, and <paramref name="deferred"/> removes it afterwards
/// (<see cref="ExecutorOptions.RemoveAfterAnswer"/>).
/// </summary>
internal sealed class SandboxRun(ISandboxEngine engine, ExecutorOptions options, ILogger logger, DeferredRemovals? deferred = null)
{
    /// <summary>How long freezing may take before the sandbox is removed the slow way instead.</summary>
    private static readonly TimeSpan FreezeLimit = TimeSpan.FromSeconds(10);

    /// <summary>How long removing the sandbox may take: longer than the engine waits for an engine that is away (restarting).</summary>
    private static readonly TimeSpan CleanupLimit = EngineAway.CleanupWait + TimeSpan.FromSeconds(30);

    public async Task<(ExecutionResult Result, AuditImage Image)> RunAsync(RunContext run, string runtime, CancellationToken cancellationToken)
    {
        var request = run.Request;
        var policy = request.Policy;
        var user = RequestValidator.ContainerUser(policy);
        var keeperUser = SandboxKeeper.UserFor(user);
        var startedAt = options.Time.GetUtcNow();
        var owner = OwnerIdentity.Current.ToString();

        string? sandboxId = null;
        AllowlistNetwork? allowlist = null;
        var protection = WorkspaceProtection.None(request.WorkingDirectory);
        var frozen = false;
        Action? prepareNext = null;
        try
        {
            // Inside the try: an engine that fails here (not a missing image) is a coded GBX1002 too.
            var resolved = await ImageResolver.ResolveAsync(engine, policy, cancellationToken).ConfigureAwait(false);
            var image = resolved.Audit;
            var seccomp = await SeccompProfiles.LoadAsync(policy, cancellationToken).ConfigureAwait(false);
            if (policy.Network.Mode == NetworkMode.Allowlist)
            {
                var labels = AllowlistNetwork.Labels(run.ExecutionId, owner, startedAt, startedAt + policy.Timeout + ContainerSpecInput.KeeperGrace, policy.Name);
                allowlist = await AllowlistNetwork.CreateAsync(engine, options.Firewall, policy, run.ExecutionId, labels, options.HostLookup, cancellationToken).ConfigureAwait(false);
            }

            protection = WorkspaceProtection.Plan(request);
            ContainerSpecInput Spec(string executionId, DateTimeOffset at) => new()
            {
                ProtectedMounts = protection.Mounts,
                Request = request,
                ExecutionId = executionId,
                Owner = owner,
                StartedAt = at,
                User = user,
                NetworkMode = allowlist?.Name ?? (policy.Network.Mode == NetworkMode.None ? "none" : "bridge"),
                Runtime = runtime,
                ExtraHosts = allowlist?.PinnedHosts ?? [],
                Dns = allowlist is null ? [] : ["127.0.0.1"],
                PathMapper = options.PathMapper,
                SeccompProfileJson = seccomp,
                AuditLog = run.AuditLog,
                ImageVolumes = resolved.Volumes,
            };

            var pool = options.Pool is { Size: > 0 } held && PoolKey.Eligible(request) ? held : null;
            var key = pool is null || image.Id is null ? null : PoolKey.For(request, user, runtime, image.Id, seccomp, run.AuditLog, owner);
            var prepared = key is null ? null : await pool!.TakeAsync(key, cancellationToken).ConfigureAwait(false);
            if (prepared is not null)
            {
                // Ours alone from here: the finally removes it like a sandbox created for this run.
                sandboxId = prepared.Id;
                run.AdoptExecutionId(prepared.ExecutionId);
                run = run with { ExecutionId = prepared.ExecutionId };
                Log.Step(logger, run.ExecutionId, "taken from the pool", run.Total.ElapsedMilliseconds);
            }

            if (key is not null)
            {
                // The next run with this key finds one ready; its spec is this one's, with an id and clock
                // of its own. It is prepared once the command ended, so it does not compete with the command.
                var template = Spec(string.Empty, startedAt) with { Request = request with { StandardInput = null, Output = NullOutputSink.Instance, Control = null, Terminal = null } };
                prepareNext = () => pool!.EnsurePrepared(key, stopping => PrepareAsync(template, pool.Idle, stopping));
            }

            if (prepared is null)
            {
                // Not cancellable mid-request: the engine may create the sandbox after the caller gave
                // up, and then its id would be unknown and it would be left behind. A cancellation that
                // came meanwhile is honoured right after (the finally removes the sandbox).
                sandboxId = await engine.CreateAsync(Spec(run.ExecutionId, startedAt), CancellationToken.None).ConfigureAwait(false);
                Log.Step(logger, run.ExecutionId, "created", run.Total.ElapsedMilliseconds);
            }

            run.Clock.End((phases, time) => phases with { Create = time });
            cancellationToken.ThrowIfCancellationRequested();
            await run.RecordStartAsync(sandboxId!, image).ConfigureAwait(false);
            await using var events = engine.WatchEvents(sandboxId!, (prepared?.PreparedAt ?? startedAt).AddSeconds(-1));
            // A prepared sandbox's limits were read back from the engine when it was prepared; nothing changed them since.
            var inspecting = prepared?.Limits is { } preparedLimits ? Task.FromResult(preparedLimits) : engine.InspectLimitsAsync(sandboxId!, policy, user, CancellationToken.None);
            if (prepared is null)
            {
                await engine.StartAsync(sandboxId!, policy, CancellationToken.None).ConfigureAwait(false);
            }

            var limits = await inspecting.ConfigureAwait(false);
            Log.Step(logger, run.ExecutionId, "started", run.Total.ElapsedMilliseconds);
            run.Clock.End((phases, time) => phases with { Start = time });

            var running = sandboxId!;
            var killSwitch = new KillSwitch(engine, running, keeperUser);
            using var pump = new OutputPump(request.Output, policy.OutputLimitBytes, policy.CaptureLimitBytes);
            pump.LimitExceeded += () => killSwitch.Trigger(KillReason.OutputLimit);
            using var timeout = new CancellationTokenSource(policy.Timeout);
            await using var onTimeout = timeout.Token.Register(() => killSwitch.Trigger(KillReason.Timeout)).ConfigureAwait(false);
            await using var onCancel = cancellationToken.Register(() => killSwitch.Trigger(KillReason.Cancelled)).ConfigureAwait(false);

            // The command's own calls are not cancelled by the caller: cancelling kills the sandbox,
            // whose stream then ends, so the run still concludes and is audited.
            var command = Stopwatch.StartNew();
            var seen = await RunCommandAsync(running, request, user, pump, killSwitch, events, run.Clock).ConfigureAwait(false);
            run.Clock.End((phases, time) => phases with { Wait = time });
            command.Stop();

            // The command is over: the replacement no longer competes with it, and has a head start on the next run.
            Interlocked.Exchange(ref prepareNext, null)?.Invoke();

            // The timeout is the command's: collecting /output has a limit of its own (GBX1208).
            await onTimeout.DisposeAsync();
            Log.Step(logger, run.ExecutionId, "command ended", run.Total.ElapsedMilliseconds);

            var outcome = await new RunConclusion(engine, running, run.ExecutionId, request, user, keeperUser, logger).ConcludeAsync(seen, killSwitch, events, pump, cancellationToken).ConfigureAwait(false);
            run.Clock.End((phases, time) => phases with { Collect = time });
            var resultEvents = allowlist is null ? outcome.Events : [new SecurityEvent("network_allowlist", allowlist.Describe()), .. outcome.Events];
            if (request.Control?.ForwardedSignal is { } signal)
            {
                resultEvents = [.. resultEvents, new SecurityEvent("signal_forwarded", RunWording.SignalForwarded(signal, request.Control.StopTimeout))];
            }
            var result = new ExecutionResult
            {
                ExecutionId = run.ExecutionId,
                Policy = policy.Name,
                ExitCode = outcome.ExitCode,
                Signal = outcome.Signal,
                KillReason = outcome.KillReason,
                WallTime = command.Elapsed,
                QueueTime = run.QueueTime,
                Usage = outcome.Usage,
                ContainerId = running,
                Image = policy.Image,
                ImageId = image.Id,
                ImageDigests = image.Digests,
                Runtime = limits.Runtime,
                Sandboxed = true,
                Pooled = prepared is not null,
                Limits = limits,
                Stdout = pump.Stdout,
                Stderr = pump.Stderr,
                Events = resultEvents,
                OutputFiles = outcome.OutputFiles,
            };
            frozen = deferred is not null && Sealed(request, runtime, protection) && await FreezeAsync(running, run.ExecutionId).ConfigureAwait(false);
            return (result, image);
        }
        catch (Exception ex) when (ex is SandboxEngineException or IOException)
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.EngineFailedDuringRun), run.ExecutionId, policy.Name, Describe(ex)), ex);
        }
        finally
        {
            if (frozen)
            {
                protection.RemovePlaceholders();
                Log.Step(logger, run.ExecutionId, "frozen", run.Total.ElapsedMilliseconds);
                run.Clock.End((phases, time) => phases with { Remove = time });
                var (frozenId, executionId) = (sandboxId!, run.ExecutionId);
                deferred!.Start(async () =>
                {
                    await RemoveAsync(frozenId, executionId).ConfigureAwait(false);
                    Log.Step(logger, executionId, "removed after the answer", 0);
                });
            }
            else
            {
                if (sandboxId is not null)
                {
                    await RemoveAsync(sandboxId, run.ExecutionId).ConfigureAwait(false);
                    Log.Step(logger, run.ExecutionId, "removed", run.Total.ElapsedMilliseconds);
                    run.Clock.End((phases, time) => phases with { Remove = time });
                }

                if (allowlist is not null)
                {
                    await allowlist.DisposeAsync().ConfigureAwait(false);
                }

                protection.RemovePlaceholders();
            }

            Interlocked.Exchange(ref prepareNext, null)?.Invoke();
        }
    }

    /// <summary>
    /// Whether the sandbox can touch nothing outside itself: no network, no host directory it may write
    /// (a read-only workspace, nothing pinned writable), not gVisor (whose paused sandboxes take the engine
    /// seconds to remove). Only such a sandbox is removed after the answer. The engine thaws a frozen
    /// sandbox to kill it, and its processes may run for a moment before the kill reaches them all;
    /// sealed, that moment changes nothing anyone can see.
    /// </summary>
    private static bool Sealed(ExecutionRequest request, string runtime, WorkspaceProtection protection) =>
        request.Policy.Network.Mode == NetworkMode.None
        && request.Policy.Workspace == WorkspaceAccess.ReadOnly
        && !protection.Mounts.Any(mount => mount.Kind == ProtectionKind.Pinned)
        && runtime is not (SandboxRuntimes.Gvisor or SandboxRuntimes.GvisorNetwork);

    /// <summary>Freezes the concluded run's sandbox; false (remove it now) when the engine cannot, e.g. for a sandbox a kill already stopped.</summary>
    private async Task<bool> FreezeAsync(string sandboxId, string executionId)
    {
        using var limit = new CancellationTokenSource(FreezeLimit);
        try
        {
            return await engine.FreezeAsync(sandboxId, limit.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SandboxEngineException or OperationCanceledException)
        {
            Log.FreezeFailed(logger, executionId, sandboxId[..Math.Min(12, sandboxId.Length)], ex.Message);
            return false;
        }
    }

    /// <summary>
    /// Creates and starts a sandbox from <paramref name="template"/> for the pool: an id and clock of its
    /// own, and a keeper (and deadline label) that outlives <paramref name="reserve"/> of waiting plus the
    /// policy's timeout, so an orphaned one still ends and is swept like a cold run's.
    /// </summary>
    private async Task<PreparedSandbox> PrepareAsync(ContainerSpecInput template, TimeSpan reserve, CancellationToken cancellationToken)
    {
        var spec = template with { ExecutionId = ExecutionIds.New(), StartedAt = options.Time.GetUtcNow(), Reserve = reserve };
        var sandboxId = await engine.CreateAsync(spec, CancellationToken.None).ConfigureAwait(false);
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            await engine.StartAsync(sandboxId, spec.Request.Policy, CancellationToken.None).ConfigureAwait(false);
            var limits = await engine.InspectLimitsAsync(sandboxId, spec.Request.Policy, spec.User, CancellationToken.None).ConfigureAwait(false);
            return new PreparedSandbox(sandboxId, spec.ExecutionId, spec.StartedAt, engine) { Limits = limits };
        }
        catch
        {
            await RemoveAsync(sandboxId, spec.ExecutionId).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Runs the command. The engine's init starts the keeper ('sleep'), so an image without it still
    /// starts, and then ends at once with init's exit 127: that is GBX1206, not the command's result.
    /// </summary>
    private async Task<EndSightings> RunCommandAsync(string sandboxId, ExecutionRequest request, string user, OutputPump pump, KillSwitch killSwitch, ISandboxEvents events, PhaseClock clock)
    {
        var exit = new ExecExit(null);
        SandboxEngineException? refused = null;
        var command = new SandboxCommand { Argv = request.Command, Environment = request.Environment, User = user, AttachStdin = request.StandardInput is not null, Terminal = request.Terminal };
        try
        {
            exit = await CommandExec.RunAsync(engine, sandboxId, command, request.StandardInput, request.Control, pump, killSwitch, events.Died, CancellationToken.None, () => clock.End((phases, time) => phases with { Exec = time })).ConfigureAwait(false);
        }
        catch (SandboxEngineException ex) when (killSwitch.Reason is null)
        {
            refused = ex;
        }

        var seen = new EndSightings
        {
            ExitCode = exit.ExitCode,
            ProcessStarted = exit.ProcessStarted,
            // Only an exec that never had a process carries the engine's own words as its output.
            Output = exit.ProcessStarted ? string.Empty : pump.Stdout.Text,
            Kill = killSwitch.Reason,
            Gvisor = request.Policy.Runtime == SandboxRuntime.Gvisor,
            OomSeen = events.OomSeen,
            Died = events.Died.IsCompleted,
        };
        if (OutcomeRules.EngineCannotExec(seen) is { } engineMessage)
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.EngineCannotExec), engineMessage));
        }

        seen = await RunConclusion.CheckKeeperAsync(seen, events).ConfigureAwait(false);
        if (OutcomeRules.KeeperMissing(seen))
        {
            var policy = request.Policy;
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.KeeperMissing), policy.Image, policy.Name, "its keeper process 'sleep' could not be started (the sandbox's init exited 127 at once)"), refused);
        }

        if (refused is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(refused);
        }

        return seen;
    }

    /// <summary>Removes the sandbox; a failure is logged (the stale sweep and the keeper's own deadline cover it).</summary>
    private async Task RemoveAsync(string sandboxId, string executionId)
    {
        using var limit = new CancellationTokenSource(CleanupLimit);
        try
        {
            await engine.RemoveAsync(sandboxId, limit.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SandboxEngineException or OperationCanceledException)
        {
            Log.RemoveFailed(logger, executionId, sandboxId[..Math.Min(12, sandboxId.Length)], ex.Message);
        }
    }

    /// <summary>What went wrong talking to the engine, without a trailing period.</summary>
    private static string Describe(Exception ex) => ex.Message.TrimEnd('.', ' ', '\n');
}
