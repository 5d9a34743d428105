using Docker.DotNet;
using Docker.DotNet.Models;
using Polly.Timeout;

namespace Gadugi.BuildExec.Core.Engine.Docker;

/// <summary>
/// <see cref="ISandboxEngine"/> on a Docker-compatible engine (API 1.41 to 1.52, negotiated). Every Docker.DotNet call of
/// the executor is made here or by the helpers of this folder; engine failures leave as
/// <see cref="SandboxEngineException"/> in the engine's own words.
/// </summary>
internal sealed partial class DockerSandboxEngine(EngineConnection connection) : ISandboxEngine
{
    private readonly IDockerClient _docker = connection.Client;

    public bool Sandboxed => true;

    public Task<EngineInfo> DescribeAsync(CancellationToken cancellationToken) => Call(async () =>
    {
        var info = await _docker.System.GetSystemInfoAsync(cancellationToken).ConfigureAwait(false);
        return new EngineInfo(
            connection.Endpoint.ToString(),
            connection.ServerVersion,
            connection.ServerApiVersion,
            EngineApi.Format(connection.ApiVersion),
            info.CgroupVersion ?? "1",
            info.CgroupDriver ?? string.Empty,
            info.Driver ?? string.Empty,
            info.KernelVersion ?? string.Empty,
            info.SecurityOptions?.ToArray() ?? [],
            RuntimeNames(info))
        {
            EndpointSource = EngineEndpoint.DescribeSource(),
            ClientApiRange = $"{EngineApi.Format(EngineApi.Oldest)} to {EngineApi.Format(EngineApi.Newest)}",
        };
    });

    public Task<IReadOnlyCollection<string>> RuntimesAsync(CancellationToken cancellationToken) => Call<IReadOnlyCollection<string>>(async () =>
        RuntimeNames(await _docker.System.GetSystemInfoAsync(cancellationToken).ConfigureAwait(false)));

    private static string[] RuntimeNames(SystemInfoResponse info) =>
        info.Runtimes?.Keys.Order(StringComparer.Ordinal).ToArray() ?? [];

    /// <summary>A run's first request: an engine that refuses connections (restarting) is waited for (<see cref="EngineAway.Return"/>).</summary>
    public Task<EngineImage?> InspectImageAsync(string reference, CancellationToken cancellationToken) => Call(async () =>
        await EngineAway.Return.ExecuteAsync(
            async token =>
            {
                try
                {
                    var image = await _docker.Images.InspectImageAsync(reference, token).ConfigureAwait(false);
                    return new EngineImage(image.ID, image.RepoDigests?.ToArray() ?? []) { Volumes = image.Config?.Volumes?.Keys.ToArray() ?? [] };
                }
                catch (DockerImageNotFoundException)
                {
                    return (EngineImage?)null;
                }
            },
            cancellationToken).ConfigureAwait(false));

    public Task<string> CreateAsync(ContainerSpecInput spec, CancellationToken cancellationToken)
    {
        var parameters = ContainerSpecBuilder.Build(spec);
        ImageVolumeGuard.CheckDeclared(spec.ImageVolumes, parameters, spec.Request.Policy);
        return Call(() => ContainerLifecycle.CreateAsync(_docker, parameters, spec.Request.Policy, cancellationToken));
    }

    public Task StartAsync(string sandboxId, SandboxPolicy policy, CancellationToken cancellationToken) =>
        Call(() => ContainerLifecycle.StartAsync(_docker, sandboxId, policy, cancellationToken));

    public ISandboxEvents WatchEvents(string sandboxId, DateTimeOffset since) => new OomWatcher(_docker, sandboxId, since);

    public Task<AppliedLimits> InspectLimitsAsync(string sandboxId, SandboxPolicy policy, string commandUser, CancellationToken cancellationToken) => Call(async () =>
    {
        var inspected = await _docker.Containers.InspectContainerAsync(sandboxId, cancellationToken).ConfigureAwait(false);
        ImageVolumeGuard.CheckCreated(inspected, policy);
        return AppliedLimitsReader.FromInspect(inspected, policy, commandUser);
    });

    public Task<ISandboxProcess> ExecAsync(string sandboxId, SandboxCommand command, CancellationToken cancellationToken) =>
        Call(() => DockerExecProcess.StartAsync(_docker, sandboxId, command, cancellationToken));

    public Task<UsageSnapshot> ReadUsageAsync(string sandboxId, string user, CancellationToken cancellationToken) =>
        Call(() => UsageReader.ReadAsync(_docker, sandboxId, user, cancellationToken));

    public Task UpdatePidsLimitAsync(string sandboxId, long pidsLimit, CancellationToken cancellationToken) =>
        Call(() => _docker.Containers.UpdateContainerAsync(sandboxId, new ContainerUpdateParameters { PidsLimit = pidsLimit }, cancellationToken));

    public Task<string?> ArchiveOutputAsync(string sandboxId, string commandUser, string archiverUser, Stream destination, long maxBytes, CancellationToken cancellationToken) =>
        Call(() => OutputArchiver.ArchiveAsync(_docker, sandboxId, commandUser, archiverUser, destination, maxBytes, cancellationToken));

    public Task KillAsync(string sandboxId, CancellationToken cancellationToken) =>
        Call(() => _docker.Containers.KillContainerAsync(sandboxId, new ContainerKillParameters { Signal = "KILL" }, cancellationToken));

    public Task<bool> FreezeAsync(string sandboxId, CancellationToken cancellationToken) => Call(async () =>
    {
        await _docker.Containers.PauseContainerAsync(sandboxId, cancellationToken).ConfigureAwait(false);
        return true;
    });

    public Task RemoveAsync(string sandboxId, CancellationToken cancellationToken) =>
        Call(() => ContainerLifecycle.RemoveAsync(_docker, sandboxId, cancellationToken));

    public Task<IReadOnlyList<EngineResource>> ListSandboxesAsync(string label, CancellationToken cancellationToken) => Call<IReadOnlyList<EngineResource>>(async () =>
    {
        var containers = await _docker.Containers.ListContainersAsync(
            new ContainersListParameters { All = true, Filters = LabelFilter(label) },
            cancellationToken).ConfigureAwait(false);
        return containers.Select(c => new EngineResource(c.ID, c.Names?.FirstOrDefault()?.TrimStart('/') ?? c.ID, Labels(c.Labels))).ToArray();
    });

    public Task<EngineContainer?> FindContainerAsync(string containerId, CancellationToken cancellationToken) => Call(async () =>
    {
        try
        {
            var inspect = await _docker.Containers.InspectContainerAsync(containerId, cancellationToken).ConfigureAwait(false);
            var mounts = (inspect.Mounts ?? [])
                .Select(mount => new EngineMount(mount.Destination ?? string.Empty, mount.Source ?? string.Empty, mount.Type ?? string.Empty))
                .ToArray();
            return new EngineContainer(inspect.ID ?? containerId, mounts);
        }
        catch (DockerContainerNotFoundException)
        {
            return (EngineContainer?)null;
        }
    });

    private static Dictionary<string, IDictionary<string, bool>> LabelFilter(string label) => new()
    {
        ["label"] = new Dictionary<string, bool> { [label] = true },
    };

    private static Dictionary<string, string> Labels(IDictionary<string, string>? labels) =>
        labels is null ? new Dictionary<string, string>() : new Dictionary<string, string>(labels, StringComparer.Ordinal);

    public ValueTask DisposeAsync()
    {
        connection.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Runs an engine call, turning the engine's failures into <see cref="SandboxEngineException"/>.</summary>
    private static async Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DockerApiException or HttpRequestException or IOException or TimeoutRejectedException)
        {
            throw new SandboxEngineException(ContainerLifecycle.Describe(ex), ex);
        }
    }

    private static async Task Call(Func<Task> call)
    {
        try
        {
            await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DockerApiException or HttpRequestException or IOException or TimeoutRejectedException)
        {
            throw new SandboxEngineException(ContainerLifecycle.Describe(ex), ex);
        }
    }
}
