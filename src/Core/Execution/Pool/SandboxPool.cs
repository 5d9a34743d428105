using System.Globalization;
using Gadugi.BuildExec.Core.Engine.Docker;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gadugi.BuildExec.Core.Execution.Pool;

/// <summary>
/// Warm single-use sandboxes: after a run whose request can be pooled (<see cref="PoolKey.Eligible"/>),
/// sandboxes are created and started for its exact <see cref="PoolKey"/> (one, and spares while there is
/// room), so the next runs with that key only exec into one. A prepared sandbox is taken by one run, which removes it like a cold run removes its own;
/// anything whose key differs is never used. At most <see cref="Size"/> are held; one unused for
/// <see cref="Idle"/> is removed (so the pool drains when nobody runs), and disposing removes them all.
/// </summary>
public sealed class SandboxPool : IAsyncDisposable
{
    public const string SizeVariable = "GADUGI_POOL_SIZE";
    public const string IdleVariable = "GADUGI_POOL_IDLE";
    public const int DefaultSize = 2;
    public static readonly TimeSpan DefaultIdle = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan RemoveLimit = EngineAway.CleanupWait + TimeSpan.FromSeconds(30);

    private readonly Lock _gate = new();
    private readonly List<Slot> _slots = [];
    private readonly HashSet<Task> _removals = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private Task? _expiry;
    private bool _disposed;

    public SandboxPool(int size, TimeSpan idle, ILoggerFactory? loggerFactory = null, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(idle, TimeSpan.Zero);
        Size = size;
        Idle = idle;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<SandboxPool>();
        _time = time ?? TimeProvider.System;
    }

    /// <summary>How many prepared sandboxes the pool holds at most (0: none are prepared).</summary>
    public int Size { get; }

    /// <summary>How long a prepared sandbox waits for a run before it is removed.</summary>
    public TimeSpan Idle { get; }

    /// <summary>A pool sized by <c>$GADUGI_POOL_SIZE</c> (default 2) whose sandboxes wait <c>$GADUGI_POOL_IDLE</c> (default 60 s).</summary>
    public static SandboxPool FromEnvironment(ILoggerFactory? loggerFactory = null)
    {
        var size = int.TryParse(Environment.GetEnvironmentVariable(SizeVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? Math.Min(count, 64) : DefaultSize;
        var idle = Environment.GetEnvironmentVariable(IdleVariable) is { Length: > 0 } text
            && PolicyValueParser.ParseDuration(text.All(char.IsAsciiDigit) ? text + "s" : text) is { } parsed && parsed > TimeSpan.Zero
            ? parsed
            : DefaultIdle;
        return new SandboxPool(size, idle, loggerFactory);
    }

    /// <summary>The prepared sandboxes (and those being prepared), oldest first.</summary>
    public IReadOnlyList<PooledSandboxInfo> Status()
    {
        Slot[] slots;
        lock (_gate)
        {
            slots = [.. _slots];
        }

        var now = _time.GetUtcNow();
        return slots.Select(slot => slot.Ready is { IsCompletedSuccessfully: true, Result: { } prepared }
                ? new PooledSandboxInfo(prepared.Id, prepared.ExecutionId, slot.Key.Summary, true, now - prepared.PreparedAt, new HostCgroup(prepared.Id).MemoryBytes())
                : new PooledSandboxInfo(null, null, slot.Key.Summary, false, now - slot.Queued, null))
            .ToList();
    }

    /// <summary>Removes every prepared sandbox (waiting for those being prepared); returns how many there were.</summary>
    public async Task<int> DrainAsync()
    {
        Slot[] slots;
        lock (_gate)
        {
            slots = [.. _slots];
            _slots.Clear();
        }

        foreach (var slot in slots)
        {
            Discard(slot, "drained");
        }

        await RemovalsAsync().ConfigureAwait(false);
        return slots.Length;
    }

    /// <summary>
    /// The prepared sandbox for exactly <paramref name="key"/>, now its caller's alone, or null. One still
    /// being prepared is waited for (a cold run would wait as long). Prepared sandboxes of the same policy
    /// and workspace made for another key (an edited policy file, a rebuilt image) are removed.
    /// </summary>
    internal async Task<PreparedSandbox?> TakeAsync(PoolKey key, CancellationToken cancellationToken)
    {
        Slot? chosen = null;
        var stale = new List<Slot>();
        lock (_gate)
        {
            if (_disposed)
            {
                return null;
            }

            foreach (var slot in _slots)
            {
                if (slot.Key.Id == key.Id)
                {
                    chosen = chosen is null || (!chosen.Ready.IsCompleted && slot.Ready.IsCompleted) ? slot : chosen;
                }
                else if (slot.Key.Family == key.Family)
                {
                    stale.Add(slot);
                }
            }

            _slots.RemoveAll(slot => slot == chosen || stale.Contains(slot));
        }

        foreach (var slot in stale)
        {
            Discard(slot, "superseded");
        }

        if (chosen is null)
        {
            return null;
        }

        PreparedSandbox? prepared;
        try
        {
            prepared = await chosen.Ready.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Discard(chosen, "unused");
            throw;
        }

        if (prepared is not null && (Expired(prepared) || OlderThanPolicyFile(prepared, key)))
        {
            Discard(chosen, "expired");
            return null;
        }

        return prepared;
    }

    /// <summary>
    /// Starts preparing sandboxes for <paramref name="key"/> in the background: the first one for a key
    /// takes the oldest other key's place when the pool is full; spares (up to <see cref="Size"/> per key)
    /// only fill free room. A spare is what lets back-to-back runs of one key each find a sandbox ready, as
    /// the replacement is prepared only once the run's command has ended; a second key keeps its own.
    /// </summary>
    internal void EnsurePrepared(PoolKey key, Func<CancellationToken, Task<PreparedSandbox>> prepare)
    {
        Slot? evicted = null;
        lock (_gate)
        {
            if (_disposed || Size == 0)
            {
                return;
            }

            var held = _slots.Count(slot => slot.Key.Id == key.Id);
            if (held == 0 && _slots.Count >= Size)
            {
                evicted = _slots[0];
                _slots.RemoveAt(0);
            }

            for (; held < Size && _slots.Count < Size; held++)
            {
                _slots.Add(new Slot(key, _time.GetUtcNow(), PrepareAsync(key, prepare)));
            }

            _expiry ??= ExpireAsync();
        }

        if (evicted is not null)
        {
            Discard(evicted, "evicted");
        }
    }

    private async Task<PreparedSandbox?> PrepareAsync(PoolKey key, Func<CancellationToken, Task<PreparedSandbox>> prepare)
    {
        await Task.Yield();
        try
        {
            var prepared = await prepare(_stopping.Token).ConfigureAwait(false);
            Log.PoolStep(_logger, "prepared", prepared.Id[..Math.Min(12, prepared.Id.Length)], key.Summary);
            return prepared;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.PoolPrepareFailed(_logger, key.Summary, ex.Message);
            return null;
        }
    }

    private bool Expired(PreparedSandbox prepared) => _time.GetUtcNow() - prepared.PreparedAt >= Idle;

    private static bool OlderThanPolicyFile(PreparedSandbox prepared, PoolKey key)
    {
        if (key.PolicyFile is null)
        {
            return false;
        }

        var written = File.GetLastWriteTimeUtc(key.PolicyFile);
        return written > prepared.PreparedAt.UtcDateTime;
    }

    /// <summary>Removes prepared sandboxes unused for <see cref="Idle"/> (and failed preparations) as time passes.</summary>
    private async Task ExpireAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Clamp(Idle.TotalMilliseconds / 4, 50, 5000)), _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                List<Slot> expired;
                lock (_gate)
                {
                    expired = _slots.Where(slot => slot.Ready.IsCompleted && (slot.Ready.Result is null || Expired(slot.Ready.Result))).ToList();
                    _slots.RemoveAll(expired.Contains);
                }

                foreach (var slot in expired)
                {
                    Discard(slot, "idle");
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
    }

    private void Discard(Slot slot, string why)
    {
        var removal = RemoveAsync(slot, why);
        lock (_gate)
        {
            _removals.Add(removal);
        }

        _ = removal.ContinueWith(
            done =>
            {
                lock (_gate)
                {
                    _removals.Remove(done);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private async Task RemoveAsync(Slot slot, string why)
    {
        if (await slot.Ready.ConfigureAwait(false) is not { } prepared)
        {
            return;
        }

        var shortId = prepared.Id[..Math.Min(12, prepared.Id.Length)];
        using var limit = new CancellationTokenSource(RemoveLimit);
        try
        {
            await prepared.Engine.RemoveAsync(prepared.Id, limit.Token).ConfigureAwait(false);
            Log.PoolStep(_logger, "removed (" + why + ")", shortId, slot.Key.Summary);
        }
        catch (Exception ex) when (ex is SandboxEngineException or OperationCanceledException or ObjectDisposedException)
        {
            // Its owner label and deadline still see it swept.
            Log.PoolRemoveFailed(_logger, shortId, ex.Message);
        }
    }

    private async Task RemovalsAsync()
    {
        Task[] pending;
        lock (_gate)
        {
            pending = [.. _removals];
        }

        await Task.WhenAll(pending).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await DrainAsync().ConfigureAwait(false);
        if (_expiry is not null)
        {
            await _expiry.ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    private sealed record Slot(PoolKey Key, DateTimeOffset Queued, Task<PreparedSandbox?> Ready);
}
