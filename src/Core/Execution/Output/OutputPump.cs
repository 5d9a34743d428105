namespace Gadugi.BuildExec.Core.Execution.Output;

/// <summary>
/// Forwards a command's output to the caller's sink as it arrives, captures the head and tail of
/// each stream, and fires <see cref="LimitExceeded"/> once the command has written more than the
/// output limit. Nothing past the limit is forwarded.
/// </summary>
internal sealed class OutputPump : IDisposable
{
    private readonly IOutputSink _sink;
    private readonly long _outputLimit;
    private readonly HeadTailBuffer _stdout;
    private readonly HeadTailBuffer _stderr;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _total;
    private int _limitFired;

    public OutputPump(IOutputSink sink, long outputLimit, long captureLimit)
    {
        _sink = sink;
        _outputLimit = outputLimit;
        _stdout = new HeadTailBuffer(captureLimit);
        _stderr = new HeadTailBuffer(captureLimit);
    }

    /// <summary>Raised once, on the first byte past the output limit.</summary>
    public event Action? LimitExceeded;

    public long TotalBytes => Interlocked.Read(ref _total);

    public bool LimitWasExceeded => Volatile.Read(ref _limitFired) == 1;

    public async Task AcceptAsync(OutputStreamKind stream, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        bool exceeded;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var remaining = Math.Max(0, _outputLimit - _total);
            var forwarded = data[..(int)Math.Min(data.Length, remaining)];
            _total += data.Length;
            if (!forwarded.IsEmpty)
            {
                (stream == OutputStreamKind.Stdout ? _stdout : _stderr).Append(forwarded.Span);
                await _sink.WriteAsync(stream, forwarded, cancellationToken).ConfigureAwait(false);
            }

            exceeded = _total > _outputLimit;
        }
        finally
        {
            _gate.Release();
        }

        if (exceeded && Interlocked.Exchange(ref _limitFired, 1) == 0)
        {
            LimitExceeded?.Invoke();
        }
    }

    public void Dispose() => _gate.Dispose();

    public CapturedOutput Stdout => _stdout.ToCapturedOutput();

    public CapturedOutput Stderr => _stderr.ToCapturedOutput();
}
