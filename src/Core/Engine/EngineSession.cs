using Docker.DotNet;
using Gadugi.BuildExec.Core.Audit;
using Gadugi.BuildExec.Core.Logging;
using Gadugi.BuildExec.Core.Network;
using Microsoft.Extensions.Logging;

namespace Gadugi.BuildExec.Core.Engine;

/// <summary>
/// One executor's view of the engine: connected on first use and kept, its runtimes read once, and
/// leftovers of dead owners swept once in the background (awaited on dispose).
/// </summary>
internal sealed class EngineSession(Uri? endpoint, bool reapStale, IFirewall firewall, TimeProvider time, ILogger logger, string? auditLog = null) : IAsyncDisposable
{
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly Lock _reapLock = new();
    private EngineConnection? _engine;
    private IReadOnlyCollection<string>? _runtimes;
    private Task? _reaping;

    public async Task<EngineConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        if (_engine is not { } engine)
        {
            await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                engine = _engine ??= await EngineConnection.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _connectLock.Release();
            }
        }

        if (reapStale)
        {
            StartReapingOnce(engine.Client);
        }

        return engine;
    }

    public async Task<IReadOnlyCollection<string>> RuntimesAsync(IDockerClient docker, CancellationToken cancellationToken)
    {
        if (_runtimes is null)
        {
            var info = await docker.System.GetSystemInfoAsync(cancellationToken).ConfigureAwait(false);
            _runtimes = info.Runtimes?.Keys.Order(StringComparer.Ordinal).ToArray() ?? [];
        }

        return _runtimes;
    }

    /// <summary>Leftovers of dead owners are swept in the background, off the first execution's path.</summary>
    private void StartReapingOnce(IDockerClient docker)
    {
        lock (_reapLock)
        {
            _reaping ??= Task.Run(() => ReapAsync(docker));
        }
    }

    private async Task ReapAsync(IDockerClient docker)
    {
        var now = time.GetUtcNow();
        try
        {
            var removed = await new StaleContainerReaper(docker, logger).ReapContainersAsync(OwnerIdentity.Current, now, CancellationToken.None).ConfigureAwait(false);
            var recorder = new AbandonedRunRecorder(time, logger);
            await recorder.RecordAsync(removed, CancellationToken.None).ConfigureAwait(false);
            if (auditLog is not null)
            {
                await recorder.RecordOrphansAsync(docker, auditLog, OwnerIdentity.Current, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is DockerApiException or IOException or HttpRequestException or UnauthorizedAccessException)
        {
            Log.ReapFailed(logger, ex.Message);
        }

        // Networks after containers: a network with a container still attached cannot go.
        try
        {
            await new StaleNetworkReaper(docker, firewall, logger).ReapAsync(OwnerIdentity.Current, now, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DockerApiException or IOException or HttpRequestException)
        {
            Log.NetworkReapFailed(logger, ex.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_reaping is { } reaping)
        {
            await reaping.ConfigureAwait(false);
        }

        _engine?.Dispose();
        _connectLock.Dispose();
    }
}
