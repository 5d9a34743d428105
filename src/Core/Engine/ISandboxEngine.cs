namespace Gadugi.BuildExec.Core.Engine;

/// <summary>
/// The container engine as the executor uses it: everything the executor asks of an engine goes
/// through this interface, so another backend (a Kubernetes pod, a remote engine) can take the place
/// of <c>DockerSandboxEngine</c>, and tests can script one (<c>FakeSandboxEngine</c>). Sandbox and
/// network ids are the engine's own. Failures of the engine itself are <see cref="SandboxEngineException"/>;
/// refusals the user can act on (a bad spec, a keeper the image lacks) are coded <see cref="GadugiException"/>s.
/// </summary>
public interface ISandboxEngine : IAsyncDisposable
{
    /// <summary>False only for the host fallback, which runs commands without a sandbox (audited <c>sandboxed: false</c>).</summary>
    bool Sandboxed { get; }

    /// <summary>Where the engine is, its version and its host's set-up (for doctor).</summary>
    Task<EngineInfo> DescribeAsync(CancellationToken cancellationToken);

    /// <summary>Names of the runtimes the engine offers (runc, runsc, …).</summary>
    Task<IReadOnlyCollection<string>> RuntimesAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The image as the engine has it, or null when it does not. This is a run's first request: an
    /// engine that refuses connections for a moment (restarting) is waited for, so a long-lived
    /// executor (a build node, the Action) rides out an engine restart instead of failing every run.
    /// </summary>
    Task<EngineImage?> InspectImageAsync(string reference, CancellationToken cancellationToken);

    /// <summary>Creates a sandbox (not started) from <paramref name="spec"/>; returns its id. GBX3103 when the image declares a volume none of the sandbox's mounts covers.</summary>
    Task<string> CreateAsync(ContainerSpecInput spec, CancellationToken cancellationToken);

    /// <summary>Starts the sandbox's keeper. GBX1206 when the image cannot run it.</summary>
    Task StartAsync(string sandboxId, SandboxPolicy policy, CancellationToken cancellationToken);

    /// <summary>The sandbox's "die" and "oom" events, including those that fired since <paramref name="since"/>.</summary>
    ISandboxEvents WatchEvents(string sandboxId, DateTimeOffset since);

    /// <summary>
    /// The limits and hardening as the engine applied them, read back from the engine, with
    /// <paramref name="commandUser"/> (the command runs through an exec, whose user the sandbox does not show).
    /// GBX3103 when the created sandbox has a volume mount after all.
    /// </summary>
    Task<AppliedLimits> InspectLimitsAsync(string sandboxId, SandboxPolicy policy, string commandUser, CancellationToken cancellationToken);

    /// <summary>Starts a command in the running sandbox; its output is read from the returned process.</summary>
    Task<ISandboxProcess> ExecAsync(string sandboxId, SandboxCommand command, CancellationToken cancellationToken);

    /// <summary>Peak memory, CPU time and pids counters, while the sandbox still exists.</summary>
    Task<UsageSnapshot> ReadUsageAsync(string sandboxId, string user, CancellationToken cancellationToken);

    /// <summary>Raises the sandbox's process limit (after the command, so the executor's own execs fit).</summary>
    Task UpdatePidsLimitAsync(string sandboxId, long pidsLimit, CancellationToken cancellationToken);

    /// <summary>
    /// Writes a tar archive of the sandbox's /output to <paramref name="destination"/>, at most
    /// <paramref name="maxBytes"/>; returns why it is incomplete, or null. The archiver runs as
    /// <paramref name="archiverUser"/> (the sandbox's own uid, see <see cref="SandboxKeeper"/>); the
    /// command's uid (<paramref name="commandUser"/>) only opens its files to it, and only when
    /// nothing of the command is left running.
    /// </summary>
    Task<string?> ArchiveOutputAsync(string sandboxId, string commandUser, string archiverUser, Stream destination, long maxBytes, CancellationToken cancellationToken);

    /// <summary>Kills every process of the sandbox at once.</summary>
    Task KillAsync(string sandboxId, CancellationToken cancellationToken);

    /// <summary>
    /// Freezes every process of the sandbox (the engine's pause): none of them runs again, and
    /// <see cref="RemoveAsync"/> still removes it. Returns when all are frozen; false when this engine
    /// cannot freeze (the caller then removes the sandbox before it answers).
    /// </summary>
    Task<bool> FreezeAsync(string sandboxId, CancellationToken cancellationToken);

    /// <summary>Removes the sandbox whatever its state; one already gone is success. An engine that is away for a moment (restarting) is waited for.</summary>
    Task RemoveAsync(string sandboxId, CancellationToken cancellationToken);

    /// <summary>Sandboxes (running or not) carrying <paramref name="label"/> ("key=value").</summary>
    Task<IReadOnlyList<EngineResource>> ListSandboxesAsync(string label, CancellationToken cancellationToken);

    /// <summary>Creates a bridge network of its own for one sandbox.</summary>
    Task<EngineNetwork> CreateNetworkAsync(NetworkSpec spec, CancellationToken cancellationToken);

    /// <summary>Removes a network, waiting for endpoints still attached to go (and for an engine that is away for a moment); one already gone is success.</summary>
    Task RemoveNetworkAsync(string networkId, CancellationToken cancellationToken);

    /// <summary>Networks carrying <paramref name="label"/> ("key=value").</summary>
    Task<IReadOnlyList<EngineResource>> ListNetworksAsync(string label, CancellationToken cancellationToken);

    /// <summary>Any container the engine runs (not only sandboxes), with its mounts; null when the engine does not know it.</summary>
    Task<EngineContainer?> FindContainerAsync(string containerId, CancellationToken cancellationToken);
}

/// <summary>
/// The engine behind an <see cref="ISandboxEngine"/>, as doctor reports it: <c>ApiVersion</c> is the
/// newest API version the engine speaks, <c>ClientApiVersion</c> the one this client speaks with it.
/// </summary>
public sealed record EngineInfo(string Endpoint, string Version, string ApiVersion, string ClientApiVersion, string CgroupVersion, string CgroupDriver, string StorageDriver, string KernelVersion, IReadOnlyList<string> SecurityOptions, IReadOnlyList<string> Runtimes)
{
    /// <summary>Where the endpoint came from (DOCKER_HOST, a docker context, the default socket).</summary>
    public string EndpointSource { get; init; } = string.Empty;

    /// <summary>The API versions this client can speak ("1.41 to 1.52").</summary>
    public string ClientApiRange { get; init; } = string.Empty;
}

/// <summary>An image as the engine has it.</summary>
public sealed record EngineImage(string Id, IReadOnlyList<string> Digests)
{
    /// <summary>The paths the image declares as VOLUME.</summary>
    public IReadOnlyList<string> Volumes { get; init; } = [];
}

/// <summary>A sandbox or network the engine holds, with its labels.</summary>
public sealed record EngineResource(string Id, string Name, IReadOnlyDictionary<string, string> Labels);

/// <summary>A network created for one sandbox, with the addressing the engine gave it.</summary>
public sealed record EngineNetwork(string Id, string? Subnet, string? Gateway);

/// <summary>What a per-execution network is: its name, its host bridge and its labels.</summary>
public sealed record NetworkSpec(string Name, string Bridge, IReadOnlyDictionary<string, string> Labels);

/// <summary>A container of the engine with its mounts (where each appears inside, and its source on the engine's host).</summary>
public sealed record EngineContainer(string Id, IReadOnlyList<EngineMount> Mounts);

/// <summary>One mount of a container.</summary>
public sealed record EngineMount(string Destination, string Source, string Type);

/// <summary>A command to run in a started sandbox.</summary>
public sealed record SandboxCommand
{
    /// <summary>argv; the first element is resolved on the image's PATH.</summary>
    public required IReadOnlyList<string> Argv { get; init; }

    /// <summary>Variables passed to the command, on top of the engine's own base (HOME, TMPDIR).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>uid:gid the command runs as.</summary>
    public required string User { get; init; }

    /// <summary>Whether the command's stdin is written to (<see cref="ISandboxProcess.WriteInputAsync"/>); otherwise it is empty.</summary>
    public bool AttachStdin { get; init; }

    /// <summary>A pseudo-terminal of this size for the command, or none; with one, its output is all stdout.</summary>
    public TerminalSize? Terminal { get; init; }
}

/// <summary>A command running in a sandbox: its output as it arrives, its stdin, its exit code.</summary>
public interface ISandboxProcess : IDisposable
{
    /// <summary>Reads the next chunk of output into <paramref name="buffer"/>; a count of 0 is the end of both streams.</summary>
    Task<(OutputStreamKind Stream, int Count)> ReadOutputAsync(Memory<byte> buffer, CancellationToken cancellationToken);

    Task WriteInputAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Ends the command's stdin.</summary>
    void CloseInput();

    /// <summary>How the command ended, as the engine reports it (its exit code is null while it still runs).</summary>
    Task<ExecExit> ExitAsync(CancellationToken cancellationToken);

    /// <summary>Sends <paramref name="signal"/> (a Linux signal number) to the command's process group, as its own user.</summary>
    Task SignalAsync(int signal, CancellationToken cancellationToken);

    /// <summary>Resizes the command's pseudo-terminal; nothing when it has none.</summary>
    Task ResizeAsync(TerminalSize size, CancellationToken cancellationToken);
}

/// <summary>How a command started in a sandbox ended, as the engine reported it.</summary>
/// <param name="ExitCode">The exit code; null while the command still runs, or when the engine lost it.</param>
/// <param name="ProcessStarted">
/// False when the engine never had a process for the command: its runtime failed before it got that
/// far, and then the engine writes the runtime's own error as the command's output.
/// </param>
public sealed record ExecExit(long? ExitCode, bool ProcessStarted = true);

/// <summary>
/// The engine's "oom" and "die" events for one sandbox. "die" matters under gVisor: there the
/// kernel's OOM killer ends the whole sandbox, and the engine may never close the command's stream.
/// </summary>
public interface ISandboxEvents : IAsyncDisposable
{
    /// <summary>The kernel's OOM killer ended a process in the sandbox (the "oom" event has arrived).</summary>
    bool OomSeen { get; }

    /// <summary>Completes when the sandbox itself stopped, with its own process's exit code when the engine said.</summary>
    Task<int?> Died { get; }

    /// <summary>True when the "oom" event arrived, waiting up to <paramref name="grace"/> for a late one.</summary>
    Task<bool> OomWithinAsync(TimeSpan grace);

    /// <summary>True when the sandbox stopped, waiting up to <paramref name="grace"/> for its "die" event.</summary>
    Task<bool> DiedWithinAsync(TimeSpan grace);
}

/// <summary>The engine failed a call: it answered with an error, or could not be reached. The message is the engine's own words.</summary>
public class SandboxEngineException : Exception
{
    public SandboxEngineException()
    {
    }

    public SandboxEngineException(string message)
        : base(message)
    {
    }

    public SandboxEngineException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
