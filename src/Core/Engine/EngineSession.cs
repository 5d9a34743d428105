namespace Gadugi.BuildExec.Core.Engine;

/// <summary>
/// One executor's view of the engine: connected on first use and kept, its runtimes read once, and
/// leftovers of dead owners swept once in the background (awaited on dispose). When no engine
/// answers, the session hands out a <see cref="HostEngine"/> (and tries again next time).
/// </summary>
internal sealed class EngineSession(Uri? endpoint, ISandboxEngine? given, bool reapStale, IFirewall firewall, TimeProvider time, ILogger logger, string? auditLog = null) : IAsyncDisposable
{
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly Lock _reapLock = new();
    private readonly bool _owned = given is null;
    private ISandboxEngine? _engine = given;
    private IReadOnlyCollection<string>? _runtimes;
    private Task? _reaping;

    /// <summary>The engine, or a <see cref="HostEngine"/> holding the GBX1001 when none answers.</summary>
    public async Task<ISandboxEngine> ConnectAsync(CancellationToken cancellationToken)
    {
        if (_engine is not { } engine)
        {
            await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                engine = _engine ??= await SandboxEngines.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
            }
            catch (EngineUnavailableException unavailable)
            {
                // Nothing answers at the endpoint. An engine that answers but cannot be used (no
                // common API version, GBX1004) or an endpoint that cannot be resolved (GBX1005) is
                // no reason to run on the host: those fail the run.
                return new HostEngine(unavailable);
            }
            finally
            {
                _connectLock.Release();
            }
        }

        if (reapStale)
        {
            StartReapingOnce(engine);
        }

        return engine;
    }

    public async Task<IReadOnlyCollection<string>> RuntimesAsync(ISandboxEngine engine, CancellationToken cancellationToken) =>
        _runtimes ??= await engine.RuntimesAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Leftovers of dead owners are swept in the background, off the first execution's path.</summary>
    private void StartReapingOnce(ISandboxEngine engine)
    {
        lock (_reapLock)
        {
            _reaping ??= Task.Run(() => ReapAsync(engine));
        }
    }

    private async Task ReapAsync(ISandboxEngine engine)
    {
        var now = time.GetUtcNow();
        try
        {
            var removed = await new StaleContainerReaper(engine, logger).ReapAsync(OwnerIdentity.Current, now, CancellationToken.None).ConfigureAwait(false);

            // The runs those sandboxes belonged to end in their own logs as abandoned.
            var recorder = new AbandonedRunRecorder(time, logger);
            await recorder.RecordAsync(removed, CancellationToken.None).ConfigureAwait(false);
            if (auditLog is not null)
            {
                await recorder.RecordOrphansAsync(engine, auditLog, OwnerIdentity.Current, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is SandboxEngineException or IOException or UnauthorizedAccessException or GadugiException)
        {
            Log.ReapFailed(logger, ex.Message);
        }

        // Networks after containers: a network with a container still attached cannot go.
        try
        {
            await new StaleNetworkReaper(engine, firewall, logger).ReapAsync(OwnerIdentity.Current, now, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SandboxEngineException or IOException)
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

        if (_owned && _engine is { } engine)
        {
            await engine.DisposeAsync().ConfigureAwait(false);
        }

        _connectLock.Dispose();
    }
}
