using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Docker.DotNet;
using Docker.DotNet.Models;
using Gadugi.BuildExec.Core.Audit;
using Gadugi.BuildExec.Core.Diagnostics;
using Gadugi.BuildExec.Core.Engine;
using Gadugi.BuildExec.Core.Logging;
using Gadugi.BuildExec.Core.Network;
using Gadugi.BuildExec.Core.Policies;
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
/// before removal, and lets /output be copied out. Cancellation after the command started does not
/// throw: the sandbox is killed and the result says <see cref="KillReason.Cancelled"/>.
/// </remarks>
public sealed class SandboxExecutor : IAsyncDisposable
{
    private static readonly TimeSpan OomEventGrace = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan CleanupLimit = TimeSpan.FromSeconds(30);

    private readonly ExecutorOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _slots;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly Lock _reapLock = new();
    private readonly AuditLog? _audit;
    private readonly MachineSlots? _machineSlots;
    private EngineConnection? _engine;
    private Task? _reaping;

    public SandboxExecutor(ExecutorOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        _options = options ?? new ExecutorOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxConcurrency, 1);
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<SandboxExecutor>();
        _slots = new SemaphoreSlim(_options.MaxConcurrency, _options.MaxConcurrency);
        _audit = _options.AuditLogPath is null ? null : new AuditLog(_options.AuditLogPath);
        _machineSlots = _options.MachineSlotsDirectory is null ? null : new MachineSlots(_options.MachineSlotsDirectory, _options.MaxConcurrency);
    }

    public string? AuditLogPath => _audit?.Path;

    public async Task<ExecutionResult> RunAsync(ExecutionRequest request, CancellationToken cancellationToken = default)
    {
        var executionId = NewExecutionId();
        var requestedAt = _options.Time.GetUtcNow();
        var total = Stopwatch.StartNew();
        request = RequestValidator.Validate(request);
        await RefuseDeniedEnvironmentAsync(request, executionId, requestedAt, cancellationToken).ConfigureAwait(false);
        await RefuseOversizedInputAsync(request, executionId, requestedAt, cancellationToken).ConfigureAwait(false);

        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        IDisposable? machineSlot = null;
        try
        {
            machineSlot = _machineSlots is null ? null : await _machineSlots.AcquireAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _slots.Release();
            throw;
        }

        var queueTime = total.Elapsed;
        try
        {
            var engine = await TryConnectAsync(request.Policy, cancellationToken).ConfigureAwait(false);
            var run = new RunContext(request, executionId, requestedAt, total, queueTime);
            var (result, image) = engine is null
                ? await RunOnHostAsync(run, cancellationToken).ConfigureAwait(false)
                : await RunInSandboxAsync(engine.Client, run, cancellationToken).ConfigureAwait(false);
            result = result with { TotalTime = total.Elapsed };
            return await AuditAsync(request, result, image, requestedAt).ConfigureAwait(false);
        }
        catch (GadugiException ex) when (_audit is not null)
        {
            await TryAuditFailureAsync(request, executionId, ex, requestedAt).ConfigureAwait(false);
            throw;
        }
        finally
        {
            machineSlot?.Dispose();
            _slots.Release();
        }
    }

    private sealed record RunContext(ExecutionRequest Request, string ExecutionId, DateTimeOffset RequestedAt, Stopwatch Total, TimeSpan QueueTime);

    private async Task<(ExecutionResult, AuditImage)> RunInSandboxAsync(IDockerClient docker, RunContext run, CancellationToken cancellationToken)
    {
        var request = run.Request;
        var policy = request.Policy;
        Log.Step(_logger, run.ExecutionId, "connected", run.Total.ElapsedMilliseconds);
        var image = await ImageResolver.ResolveAsync(docker, policy, cancellationToken).ConfigureAwait(false);
        Log.Step(_logger, run.ExecutionId, "image resolved", run.Total.ElapsedMilliseconds);
        var user = RequestValidator.ContainerUser(policy);
        var runtime = await RuntimeForAsync(docker, policy, cancellationToken).ConfigureAwait(false);
        var seccomp = await SeccompProfiles.LoadAsync(policy, cancellationToken).ConfigureAwait(false);
        var startedAt = _options.Time.GetUtcNow();
        var owner = OwnerIdentity.Current.ToString();

        string? containerId = null;
        AllowlistNetwork? allowlist = null;
        try
        {
            if (policy.Network.Mode == NetworkMode.Allowlist)
            {
                var labels = AllowlistNetwork.Labels(run.ExecutionId, owner, startedAt, startedAt + policy.Timeout + ContainerSpecBuilder.KeeperGrace, policy.Name);
                allowlist = await AllowlistNetwork.CreateAsync(docker, _options.Firewall, policy, run.ExecutionId, labels, _options.HostLookup, cancellationToken).ConfigureAwait(false);
            }

            var spec = ContainerSpecBuilder.Build(new ContainerSpecInput
            {
                Request = request,
                ExecutionId = run.ExecutionId,
                Owner = owner,
                StartedAt = startedAt,
                User = user,
                NetworkMode = allowlist?.Name ?? (policy.Network.Mode == NetworkMode.None ? "none" : "bridge"),
                Runtime = runtime,
                ExtraHosts = allowlist?.PinnedHosts ?? [],
                Dns = allowlist is null ? [] : ["127.0.0.1"],
                PathMapper = _options.PathMapper,
                SeccompProfileJson = seccomp,
            });
            containerId = await CreateAsync(docker, spec, policy, cancellationToken).ConfigureAwait(false);
            Log.Step(_logger, run.ExecutionId, "created", run.Total.ElapsedMilliseconds);
            await using var oomWatcher = new OomWatcher(docker, containerId, startedAt.AddSeconds(-1));
            var inspecting = docker.Containers.InspectContainerAsync(containerId, cancellationToken);
            await StartAsync(docker, containerId, policy, cancellationToken).ConfigureAwait(false);
            var limits = AppliedLimitsReader.FromInspect(await inspecting.ConfigureAwait(false), policy);
            Log.Step(_logger, run.ExecutionId, "started", run.Total.ElapsedMilliseconds);

            var killSwitch = new KillSwitch(docker, containerId, user);
            using var pump = new OutputPump(request.Output, policy.OutputLimitBytes, policy.CaptureLimitBytes);
            pump.LimitExceeded += () => killSwitch.Trigger(KillReason.OutputLimit);
            using var timeout = new CancellationTokenSource(policy.Timeout);
            await using var onTimeout = timeout.Token.Register(() => killSwitch.Trigger(KillReason.Timeout)).ConfigureAwait(false);
            await using var onCancel = cancellationToken.Register(() => killSwitch.Trigger(KillReason.Cancelled)).ConfigureAwait(false);

            var command = Stopwatch.StartNew();
            var exitCode = await CommandExec.RunAsync(docker, containerId, request, user, ExecEnvironment(request), pump, killSwitch, oomWatcher.Died, CancellationToken.None).ConfigureAwait(false);
            command.Stop();
            Log.Step(_logger, run.ExecutionId, "command ended", run.Total.ElapsedMilliseconds);

            var outcome = await ConcludeAsync(docker, containerId, request, user, exitCode, killSwitch, oomWatcher, pump, cancellationToken).ConfigureAwait(false);
            Log.Step(_logger, run.ExecutionId, "concluded", run.Total.ElapsedMilliseconds);
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
        catch (Exception ex) when (ex is DockerApiException or HttpRequestException or IOException)
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.EngineFailedDuringRun), run.ExecutionId, policy.Name, ex.Message), ex);
        }
        finally
        {
            if (containerId is not null)
            {
                await RemoveAsync(docker, containerId, run.ExecutionId).ConfigureAwait(false);
                Log.Step(_logger, run.ExecutionId, "removed", run.Total.ElapsedMilliseconds);
            }

            if (allowlist is not null)
            {
                await allowlist.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private sealed record Outcome(int ExitCode, int? Signal, KillReason? KillReason, ResourceUsage Usage, IReadOnlyList<SecurityEvent> Events, IReadOnlyList<string> OutputFiles);

    private async Task<Outcome> ConcludeAsync(
        IDockerClient docker,
        string containerId,
        ExecutionRequest request,
        string user,
        long? exitCode,
        KillSwitch killSwitch,
        OomWatcher oomWatcher,
        OutputPump pump,
        CancellationToken cancellationToken)
    {
        var events = new List<SecurityEvent>();
        if (killSwitch.Reason is { } reason)
        {
            await killSwitch.Completion.ConfigureAwait(false);
            events.Add(new SecurityEvent(KillEventKind(reason), KillEventDetail(reason, request.Policy, pump)));
            if (oomWatcher.Seen)
            {
                events.Add(new SecurityEvent("oom", "the kernel's OOM killer ended a process in the sandbox"));
            }

            var atKill = killSwitch.UsageAtKill ?? UsageSnapshot.Unknown;
            AddPidsEvent(events, atKill, request.Policy);
            return new Outcome(137, 9, reason, atKill.Usage, events, []);
        }

        var died = oomWatcher.Died.IsCompleted;
        var snapshot = died ? UsageSnapshot.Unknown : await ReadUsageAsync(docker, containerId, request, user, cancellationToken).ConfigureAwait(false);
        var usage = snapshot.Usage;
        AddPidsEvent(events, snapshot, request.Policy);
        var code = (int)(exitCode ?? 137);
        var oom = oomWatcher.Seen || (code == 137 && await oomWatcher.WaitAsync(OomEventGrace).ConfigureAwait(false));
        KillReason? killReason = null;
        if (oom)
        {
            events.Add(new SecurityEvent("oom", $"the kernel's OOM killer ended a process at the memory limit of {PolicyValueParser.FormatSize(request.Policy.MemoryBytes)}"));
            killReason = code == 137 ? KillReason.Oom : null;
        }

        IReadOnlyList<string> files = [];
        if (died)
        {
            events.Add(new SecurityEvent("sandbox_ended", oom
                ? "the whole sandbox was ended by the kernel's OOM killer (under gVisor the sandbox kernel is the process at the limit); /output was not copied"
                : "the sandbox ended before the command finished (its keeper process was stopped); /output was not copied"));
        }
        else if (request.OutputDirectory is not null)
        {
            await MakeRoomForCollectionAsync(docker, containerId, snapshot, cancellationToken).ConfigureAwait(false);
            var collected = await OutputCollector.CollectAsync(docker, containerId, user, request.OutputDirectory, request.Policy.DiskBytes, cancellationToken).ConfigureAwait(false);
            files = collected.Files;
            events.AddRange(collected.Refusals);
            foreach (var refusal in collected.Refusals)
            {
                Log.OutputEntryRefused(_logger, request.Command[0], refusal.Detail, refusal.Kind);
            }
        }

        int? signal = code is > 128 and < 160 ? code - 128 : null;
        return new Outcome(code, signal, killReason, usage, events, files);
    }

    /// <summary>Process slots added so /output can still be archived when the command's leftovers fill the pids limit.</summary>
    private const long CollectionPidsHeadroom = 4;

    /// <summary>
    /// Archiving /output takes a process in the sandbox. When the command left it at its pids limit
    /// (processes that outlived it), the limit is raised by a few slots for the collection; the
    /// command is over, so this only lets the executor in. A leftover that keeps forking can still
    /// take them, and then the collector reports that /output could not be archived.
    /// </summary>
    private static async Task MakeRoomForCollectionAsync(IDockerClient docker, string containerId, UsageSnapshot snapshot, CancellationToken cancellationToken)
    {
        if (snapshot.PidsLimit is not { } limit || limit == 0 || snapshot.PidsCurrent < limit - 1)
        {
            return;
        }

        try
        {
            await docker.Containers.UpdateContainerAsync(containerId, new ContainerUpdateParameters { PidsLimit = (long)limit + CollectionPidsHeadroom }, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException)
        {
            // The collector will report what it could not do.
        }
    }

    private static void AddPidsEvent(List<SecurityEvent> events, UsageSnapshot snapshot, SandboxPolicy policy)
    {
        if (snapshot.PidsLimitReached)
        {
            var hits = snapshot.PidsLimitHits is > 0 ? $"; {snapshot.PidsLimitHits} fork/clone call(s) refused" : string.Empty;
            events.Add(new SecurityEvent("pids_limit", $"the sandbox reached its limit of {policy.PidsLimit} processes{hits}"));
        }
    }

    private async Task<UsageSnapshot> ReadUsageAsync(IDockerClient docker, string containerId, ExecutionRequest request, string user, CancellationToken cancellationToken)
    {
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(TimeSpan.FromSeconds(10));
            return await UsageReader.ReadAsync(docker, containerId, user, limit.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DockerApiException or IOException or HttpRequestException or OperationCanceledException)
        {
            Log.UsageUnavailable(_logger, request.Command[0], ex.Message);
            return UsageSnapshot.Unknown;
        }
    }

    private static string KillEventKind(KillReason reason) => reason switch
    {
        KillReason.Timeout => "timeout",
        KillReason.OutputLimit => "output_limit",
        KillReason.Cancelled => "cancelled",
        _ => "oom",
    };

    private static string KillEventDetail(KillReason reason, SandboxPolicy policy, OutputPump pump) => reason switch
    {
        KillReason.Timeout => $"killed after the timeout of {PolicyValueParser.FormatDuration(policy.Timeout)}",
        KillReason.OutputLimit => $"killed after writing more than {PolicyValueParser.FormatSize(policy.OutputLimitBytes)} of output ({pump.TotalBytes} bytes seen)",
        KillReason.Cancelled => "killed because the caller cancelled",
        _ => "killed at the memory limit",
    };

    private static async Task<string> CreateAsync(IDockerClient docker, CreateContainerParameters spec, SandboxPolicy policy, CancellationToken cancellationToken)
    {
        try
        {
            var created = await docker.Containers.CreateContainerAsync(spec, cancellationToken).ConfigureAwait(false);
            return created.ID;
        }
        catch (DockerApiException ex) when (ex.StatusCode is System.Net.HttpStatusCode.BadRequest or System.Net.HttpStatusCode.InternalServerError or System.Net.HttpStatusCode.Conflict)
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.ContainerCreateFailed), policy.Name, policy.Source, EngineMessage(ex)), ex);
        }
    }

    private static async Task StartAsync(IDockerClient docker, string containerId, SandboxPolicy policy, CancellationToken cancellationToken)
    {
        try
        {
            await docker.Containers.StartContainerAsync(containerId, new ContainerStartParameters(), cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException ex) when (EngineMessage(ex).Contains("executable file not found", StringComparison.Ordinal))
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.KeeperMissing), policy.Image, policy.Name, EngineMessage(ex)), ex);
        }
        catch (DockerApiException ex) when (ex.StatusCode is System.Net.HttpStatusCode.BadRequest or System.Net.HttpStatusCode.InternalServerError)
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.ContainerCreateFailed), policy.Name, policy.Source, EngineMessage(ex)), ex);
        }
    }

    internal static string EngineMessage(DockerApiException ex)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(ex.ResponseBody ?? string.Empty);
            return document.RootElement.GetProperty("message").GetString() ?? ex.Message;
        }
        catch (Exception parse) when (parse is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return string.IsNullOrWhiteSpace(ex.ResponseBody) ? ex.Message : ex.ResponseBody!.Trim();
        }
    }

    /// <summary>Force-removes the container, whatever state it is in; "already gone" is success.</summary>
    private async Task RemoveAsync(IDockerClient docker, string containerId, string executionId)
    {
        using var limit = new CancellationTokenSource(CleanupLimit);
        try
        {
            await docker.Containers.RemoveContainerAsync(containerId, new ContainerRemoveParameters { Force = true }, limit.Token).ConfigureAwait(false);
            return;
        }
        catch (DockerContainerNotFoundException)
        {
            return;
        }
        catch (DockerApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            // AutoRemove is already removing it; wait until it is gone.
        }
        catch (Exception ex) when (ex is DockerApiException or IOException or HttpRequestException or OperationCanceledException)
        {
            Log.RemoveFailed(_logger, executionId, containerId[..12], ex.Message);
            return;
        }

        while (!limit.IsCancellationRequested)
        {
            try
            {
                await docker.Containers.InspectContainerAsync(containerId, limit.Token).ConfigureAwait(false);
                await Task.Delay(25, limit.Token).ConfigureAwait(false);
            }
            catch (DockerContainerNotFoundException)
            {
                return;
            }
            catch (Exception ex) when (ex is DockerApiException or IOException or HttpRequestException or OperationCanceledException)
            {
                Log.RemoveFailed(_logger, executionId, containerId[..12], ex.Message);
                return;
            }
        }
    }

    private async Task<(ExecutionResult, AuditImage?)> RunOnHostAsync(RunContext run, CancellationToken cancellationToken)
    {
        var request = run.Request;
        var warning = $"WARNING: no container engine answers; running '{string.Join(' ', request.Command)}' UNSANDBOXED on the host because policy '{request.Policy.Name}' says fallback: shell. Only the timeout, output cap and environment allowlist apply.";
        Log.UnsandboxedFallback(_logger, warning);
        using var pump = new OutputPump(request.Output, request.Policy.OutputLimitBytes, request.Policy.CaptureLimitBytes);
        var outcome = await HostShellRunner.RunAsync(request, pump, cancellationToken).ConfigureAwait(false);
        var events = new List<SecurityEvent> { new("fallback", warning) };
        if (outcome.KillReason is { } reason)
        {
            events.Add(new SecurityEvent(KillEventKind(reason), KillEventDetail(reason, request.Policy, pump)));
        }

        var result = new ExecutionResult
        {
            ExecutionId = run.ExecutionId,
            Policy = request.Policy.Name,
            ExitCode = outcome.ExitCode,
            Signal = outcome.KillReason is null ? null : 9,
            KillReason = outcome.KillReason,
            WallTime = outcome.WallTime,
            QueueTime = run.QueueTime,
            Sandboxed = false,
            Stdout = pump.Stdout,
            Stderr = pump.Stderr,
            Events = events,
        };
        return (result, null);
    }

    private async Task<EngineConnection?> TryConnectAsync(SandboxPolicy policy, CancellationToken cancellationToken)
    {
        try
        {
            var engine = await ConnectAsync(cancellationToken).ConfigureAwait(false);
            if (_options.ReapStaleContainers)
            {
                StartReapingOnce(engine);
            }

            return engine;
        }
        catch (GadugiException ex) when (ex.Code == "GBX1001" && policy.Fallback == FallbackMode.Shell)
        {
            return null;
        }
    }

    private async Task<EngineConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        if (_engine is { } connected)
        {
            return connected;
        }

        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _engine ??= await EngineConnection.ConnectAsync(_options.Endpoint, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _connectLock.Release();
        }
    }

    /// <summary>Leftovers of dead owners are swept in the background, off the first execution's path.</summary>
    private void StartReapingOnce(EngineConnection engine)
    {
        lock (_reapLock)
        {
            _reaping ??= Task.Run(async () =>
            {
                var now = _options.Time.GetUtcNow();
                try
                {
                    await new StaleContainerReaper(engine.Client, _logger).ReapAsync(OwnerIdentity.Current, now, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is DockerApiException or IOException or HttpRequestException)
                {
                    Log.ReapFailed(_logger, ex.Message);
                }

                // Networks after containers: a network with a container still attached cannot go.
                try
                {
                    await new StaleNetworkReaper(engine.Client, _options.Firewall, _logger).ReapAsync(OwnerIdentity.Current, now, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is DockerApiException or IOException or HttpRequestException)
                {
                    Log.NetworkReapFailed(_logger, ex.Message);
                }
            });
        }
    }

    /// <summary>
    /// The engine runtime for a policy: runc, or gVisor's runsc. gVisor sandboxes with a network need
    /// a runtime registered without --network=none ("runsc-net"); without one they are refused (GBX3006).
    /// </summary>
    private async Task<string> RuntimeForAsync(IDockerClient docker, SandboxPolicy policy, CancellationToken cancellationToken)
    {
        if (policy.Runtime != SandboxRuntime.Gvisor)
        {
            return "runc";
        }

        var runtimes = _runtimes ??= await ReadRuntimesAsync(docker, cancellationToken).ConfigureAwait(false);
        if (!runtimes.Contains(GvisorRuntime))
        {
            throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.GvisorUnavailable), policy.Name, policy.Source, string.Join(", ", runtimes)));
        }

        if (policy.Network.Mode == NetworkMode.None)
        {
            return GvisorRuntime;
        }

        return runtimes.Contains(GvisorNetworkRuntime)
            ? GvisorNetworkRuntime
            : throw new GadugiException(Diagnostic.Create(nameof(DiagnosticMessages.GvisorNetworkUnavailable), policy.Name, policy.Source, policy.Network.ToString()));
    }

    /// <summary>gVisor as registered by the set-up: "runsc" with --network=none, "runsc-net" with gVisor's own network stack.</summary>
    public const string GvisorRuntime = "runsc";

    public const string GvisorNetworkRuntime = "runsc-net";

    private IReadOnlyCollection<string>? _runtimes;

    private static async Task<IReadOnlyCollection<string>> ReadRuntimesAsync(IDockerClient docker, CancellationToken cancellationToken)
    {
        var info = await docker.System.GetSystemInfoAsync(cancellationToken).ConfigureAwait(false);
        return info.Runtimes?.Keys.Order(StringComparer.Ordinal).ToArray() ?? [];
    }

    private static List<string> ExecEnvironment(ExecutionRequest request)
    {
        var environment = new List<string> { "HOME=/tmp", "TMPDIR=/tmp" };
        environment.AddRange(request.Environment.Select(pair => pair.Key + "=" + pair.Value));
        return environment;
    }

    private async Task RefuseDeniedEnvironmentAsync(ExecutionRequest request, string executionId, DateTimeOffset time, CancellationToken cancellationToken)
    {
        var denied = RequestValidator.DeniedEnvironment(request);
        if (denied.Count == 0)
        {
            return;
        }

        var error = RequestValidator.EnvironmentDenied(request, denied);
        if (_audit is not null)
        {
            await _audit.AppendAsync(AuditRecordFactory.ForRefusal(request, executionId, AuditStatus.Denied, error, time), cancellationToken).ConfigureAwait(false);
        }

        throw error;
    }

    private async Task RefuseOversizedInputAsync(ExecutionRequest request, string executionId, DateTimeOffset time, CancellationToken cancellationToken)
    {
        try
        {
            InputSizeCheck.Enforce(request);
        }
        catch (GadugiException error)
        {
            if (_audit is not null)
            {
                await _audit.AppendAsync(AuditRecordFactory.ForRefusal(request, executionId, AuditStatus.Denied, error, time), cancellationToken).ConfigureAwait(false);
            }

            throw;
        }
    }

    private async Task<ExecutionResult> AuditAsync(ExecutionRequest request, ExecutionResult result, AuditImage? image, DateTimeOffset time)
    {
        if (_audit is null)
        {
            return result;
        }

        var (record, hash) = await _audit.AppendAsync(AuditRecordFactory.ForResult(request, result, image, time), CancellationToken.None).ConfigureAwait(false);
        return result with { AuditLog = _audit.Path, AuditSequence = record.Seq, AuditRecordHash = hash };
    }

    private async Task TryAuditFailureAsync(ExecutionRequest request, string executionId, GadugiException error, DateTimeOffset time)
    {
        if (error.Code == "GBX1301")
        {
            return;
        }

        try
        {
            await _audit!.AppendAsync(AuditRecordFactory.ForRefusal(request, executionId, AuditStatus.Failed, error, time), CancellationToken.None).ConfigureAwait(false);
        }
        catch (GadugiException)
        {
            // The original error is the one to report.
        }
    }

    private static string NewExecutionId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    public async ValueTask DisposeAsync()
    {
        if (_reaping is { } reaping)
        {
            await reaping.ConfigureAwait(false);
        }

        _engine?.Dispose();
        _slots.Dispose();
        _connectLock.Dispose();
    }
}
