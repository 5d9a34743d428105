namespace Gadugi.BuildExec.Core.Engine;

/// <summary>
/// The engine chosen when no container engine answers: a null object that holds no sandboxes, so a
/// run on it cannot be sandboxed (<see cref="Sandboxed"/> is false). The executor runs a request on
/// the host through it only when the policy says <c>fallback: shell</c> (audited <c>sandboxed: false</c>);
/// otherwise <see cref="Unavailable"/>, the GBX1001 that explains why no engine answered, is the answer.
/// Every sandbox operation fails with that same error; listings are empty.
/// </summary>
internal sealed class HostEngine(GadugiException unavailable) : ISandboxEngine
{
    /// <summary>Why no container engine answered (GBX1001).</summary>
    public GadugiException Unavailable { get; } = unavailable;

    public bool Sandboxed => false;

    public Task<EngineInfo> DescribeAsync(CancellationToken cancellationToken) => Task.FromException<EngineInfo>(Unavailable);

    public Task<IReadOnlyCollection<string>> RuntimesAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyCollection<string>>([]);

    public Task<EngineImage?> InspectImageAsync(string reference, CancellationToken cancellationToken) => Task.FromResult<EngineImage?>(null);

    public Task<string> CreateAsync(ContainerSpecInput spec, CancellationToken cancellationToken) => Task.FromException<string>(Unavailable);

    public Task StartAsync(string sandboxId, SandboxPolicy policy, CancellationToken cancellationToken) => Task.FromException(Unavailable);

    public ISandboxEvents WatchEvents(string sandboxId, DateTimeOffset since) => throw Unavailable;

    public Task<AppliedLimits> InspectLimitsAsync(string sandboxId, SandboxPolicy policy, string commandUser, CancellationToken cancellationToken) => Task.FromException<AppliedLimits>(Unavailable);

    public Task<ISandboxProcess> ExecAsync(string sandboxId, SandboxCommand command, CancellationToken cancellationToken) => Task.FromException<ISandboxProcess>(Unavailable);

    public Task<UsageSnapshot> ReadUsageAsync(string sandboxId, string user, CancellationToken cancellationToken) => Task.FromResult(UsageSnapshot.Unknown);

    public Task UpdatePidsLimitAsync(string sandboxId, long pidsLimit, CancellationToken cancellationToken) => Task.FromException(Unavailable);

    public Task<string?> ArchiveOutputAsync(string sandboxId, string commandUser, string archiverUser, Stream destination, long maxBytes, CancellationToken cancellationToken) => Task.FromException<string?>(Unavailable);

    public Task KillAsync(string sandboxId, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<bool> FreezeAsync(string sandboxId, CancellationToken cancellationToken) => Task.FromResult(false);

    public Task RemoveAsync(string sandboxId, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<EngineResource>> ListSandboxesAsync(string label, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<EngineResource>>([]);

    public Task<EngineNetwork> CreateNetworkAsync(NetworkSpec spec, CancellationToken cancellationToken) => Task.FromException<EngineNetwork>(Unavailable);

    public Task RemoveNetworkAsync(string networkId, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<EngineResource>> ListNetworksAsync(string label, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<EngineResource>>([]);

    public Task<EngineContainer?> FindContainerAsync(string containerId, CancellationToken cancellationToken) => Task.FromResult<EngineContainer?>(null);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
