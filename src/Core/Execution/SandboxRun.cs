using System.Diagnostics;
using Docker.DotNet;
using Gadugi.BuildExec.Core.Audit;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Core.Logging;
using Gadugi.BuildExec.Core.Network;
using Gadugi.BuildExec.Core.Policies;
using Microsoft.Extensions.Logging;

namespace Gadugi.BuildExec.Core.Execution;

/// <summary>
/// One execution in one fresh container, from creation to removal: the container (and, for an
/// allowlist, its network and firewall rules) is gone when this returns, on every path.
/// </summary>
internal sealed class SandboxRun(IDockerClient docker, ExecutorOptions options, ILogger logger)
{
    /// <summary>Exit code of the engine's init (tini) when it cannot execute the keeper.</summary>
    private const int KeeperNotFoundExit = 127;

    private static readonly TimeSpan KeeperDeathGrace = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan KeeperDeathGlance = TimeSpan.FromMilliseconds(250);

    public async Task<(ExecutionResult Result, AuditImage Image)> RunAsync(RunContext run, string runtime, CancellationToken cancellationToken)
    {
        var request = run.Request;
        var policy = request.Policy;
        var user = RequestValidator.ContainerUser(policy);
        var keeperUser = SandboxKeeper.UserFor(user);
        var startedAt = options.Time.GetUtcNow();
        var owner = OwnerIdentity.Current.ToString();

        string? containerId = null;
        AllowlistNetwork? allowlist = null;
        var protection = WorkspaceProtection.None(request.WorkingDirectory);
        try
        {
            // Inside the try: an engine that fails here (not a missing image) is a coded GBX1002 too.
            var resolved = await EngineAway.Return.ExecuteAsync(async token => await ImageResolver.ResolveAsync(docker, policy, token).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            var image = resolved.Audit;
            var seccomp = await SeccompProfiles.LoadAsync(policy, cancellationToken).ConfigureAwait(false);
            if (policy.Network.Mode == NetworkMode.Allowlist)
            {
                var labels = AllowlistNetwork.Labels(run.ExecutionId, owner, startedAt, startedAt + policy.Timeout + ContainerSpecBuilder.KeeperGrace, policy.Name);
                allowlist = await AllowlistNetwork.CreateAsync(docker, options.Firewall, policy, run.ExecutionId, labels, options.HostLookup, cancellationToken).ConfigureAwait(false);
            }

            protection = WorkspaceProtection.Plan(request);
            var spec = ContainerSpecBuilder.Build(new ContainerSpecInput
            {
                ProtectedMounts = protection.Mounts,
                Request = request,
                ExecutionId = run.ExecutionId,
                Owner = owner,
                StartedAt = startedAt,
                User = user,
                NetworkMode = allowlist?.Name ?? (policy.Network.Mode == NetworkMode.None ? "none" : "bridge"),
                Runtime = runtime,
                ExtraHosts = allowlist?.PinnedHosts ?? [],
                Dns = allowlist is null ? [] : ["127.0.0.1"],
                PathMapper = options.PathMapper,
                SeccompProfileJson = seccomp,
                AuditLog = run.AuditLog,
            });
            ImageVolumeGuard.CheckDeclared(resolved.Volumes, spec, policy);

            // Not cancellable mid-request: the engine may create the container after the caller gave
            // up, and then its id would be unknown and it would be left behind. A cancellation that
            // came meanwhile is honoured right after (the finally removes the container).
            containerId = await ContainerLifecycle.CreateAsync(docker, spec, policy, CancellationToken.None).ConfigureAwait(false);
            Log.Step(logger, run.ExecutionId, "created", run.Total.ElapsedMilliseconds);
            cancellationToken.ThrowIfCancellationRequested();
            await run.RecordStartAsync(containerId, image).ConfigureAwait(false);
            await using var oomWatcher = new OomWatcher(docker, containerId, startedAt.AddSeconds(-1));
            var inspecting = docker.Containers.InspectContainerAsync(containerId, CancellationToken.None);
            await ContainerLifecycle.StartAsync(docker, containerId, policy, CancellationToken.None).ConfigureAwait(false);
            var inspected = await inspecting.ConfigureAwait(false);
            ImageVolumeGuard.CheckCreated(inspected, policy);
            var limits = AppliedLimitsReader.FromInspect(inspected, policy, user);
            Log.Step(logger, run.ExecutionId, "started", run.Total.ElapsedMilliseconds);

            var killSwitch = new KillSwitch(docker, containerId, keeperUser);
            using var pump = new OutputPump(request.Output, policy.OutputLimitBytes, policy.CaptureLimitBytes);
            pump.LimitExceeded += () => killSwitch.Trigger(KillReason.OutputLimit);
            using var timeout = new CancellationTokenSource(policy.Timeout);
            await using var onTimeout = timeout.Token.Register(() => killSwitch.Trigger(KillReason.Timeout)).ConfigureAwait(false);
            await using var onCancel = cancellationToken.Register(() => killSwitch.Trigger(KillReason.Cancelled)).ConfigureAwait(false);

            // The command's own calls are not cancelled by the caller: cancelling kills the sandbox,
            // whose stream then ends, so the run still concludes and is audited.
            var command = Stopwatch.StartNew();
            var exitCode = await RunCommandAsync(containerId, request, user, pump, killSwitch, oomWatcher).ConfigureAwait(false);
            command.Stop();

            // The timeout is the command's: collecting /output has a limit of its own (GBX1208).
            await onTimeout.DisposeAsync();
            Log.Step(logger, run.ExecutionId, "command ended", run.Total.ElapsedMilliseconds);

            var outcome = await new RunConclusion(docker, containerId, run.ExecutionId, request, user, keeperUser, logger).ConcludeAsync(exitCode, killSwitch, oomWatcher, pump, cancellationToken).ConfigureAwait(false);
            var events = allowlist is null ? outcome.Events : [new SecurityEvent("network_allowlist", allowlist.Describe()), .. outcome.Events];
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
                ContainerId = containerId,
                Image = policy.Image,
                ImageId = image.Id,
                ImageDigests = image.Digests,
                Runtime = limits.Runtime,
                Sandboxed = true,
                Limits = limits,
                Stdout = pump.Stdout,
                Stderr = pump.Stderr,
                Events = events,
                OutputFiles = outcome.OutputFiles,
            };
            return (result, image);
        }
        catch (Exception ex) when (ex is DockerApiException or HttpRequestException or IOException or Polly.Timeout.TimeoutRejectedException)
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.EngineFailedDuringRun), run.ExecutionId, policy.Name, ContainerLifecycle.Describe(ex)), ex);
        }
        finally
        {
            if (containerId is not null)
            {
                await ContainerLifecycle.RemoveAsync(docker, containerId, run.ExecutionId, logger).ConfigureAwait(false);
                Log.Step(logger, run.ExecutionId, "removed", run.Total.ElapsedMilliseconds);
            }

            if (allowlist is not null)
            {
                await allowlist.DisposeAsync().ConfigureAwait(false);
            }

            protection.RemovePlaceholders();
        }
    }

    /// <summary>
    /// Runs the command. The engine's init starts the keeper ('sleep'), so an image without it still
    /// starts, and then ends at once with init's exit 127: that is GBX1206, not the command's result.
    /// </summary>
    private async Task<long?> RunCommandAsync(string containerId, ExecutionRequest request, string user, OutputPump pump, KillSwitch killSwitch, OomWatcher containerEvents)
    {
        long? exitCode = null;
        DockerApiException? refused = null;
        try
        {
            exitCode = await CommandExec.RunAsync(docker, containerId, request, user, ExecEnvironment(request), pump, killSwitch, containerEvents.Died, CancellationToken.None).ConfigureAwait(false);
        }
        catch (DockerApiException ex) when (killSwitch.Reason is null)
        {
            refused = ex;
        }

        // The exec may also have started just before the sandbox ended (then it reports 126, 127 or
        // 137): the die event has usually arrived by then, so a short look suffices there.
        var keeperMayHaveFailed = exitCode is null || (exitCode is 126 or 127 or 137 && !containerEvents.Seen);
        var grace = exitCode is null ? KeeperDeathGrace : KeeperDeathGlance;
        if (killSwitch.Reason is null && keeperMayHaveFailed && await containerEvents.DiedWithAsync(KeeperNotFoundExit, grace).ConfigureAwait(false))
        {
            var policy = request.Policy;
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.KeeperMissing), policy.Image, policy.Name, "its keeper process 'sleep' could not be started (the sandbox's init exited 127 at once)"), refused);
        }

        if (refused is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(refused);
        }

        return exitCode;
    }

    private static List<string> ExecEnvironment(ExecutionRequest request)
    {
        var environment = new List<string> { "HOME=/tmp", "TMPDIR=/tmp" };
        environment.AddRange(request.Environment.Select(pair => pair.Key + "=" + pair.Value));
        return environment;
    }
}
