using System.Net.Sockets;
using System.Threading.Channels;

namespace Gadugi.BuildExec.Cli.Service;

/// <summary>A client's stdout or stderr: each write is one frame to the client.</summary>
internal sealed class RemoteOutputStream(Socket socket, Lock gate, byte frameType) : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        try
        {
            for (var start = 0; start < buffer.Length; start += 64 * 1024)
            {
                ServiceFrames.Write(socket, gate, frameType, buffer.Slice(start, Math.Min(64 * 1024, buffer.Length - start)));
            }
        }
        catch (SocketException ex)
        {
            // The client hung up; the run is being cancelled (its reader saw the end).
            throw new IOException("the client is gone", ex);
        }
        catch (ObjectDisposedException ex)
        {
            throw new IOException("the client is gone", ex);
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }
}

/// <summary>
/// A client's stdin, read only as far as the run reads it: each read asks the client for up to that many
/// bytes (a terminal's keys are not taken from the caller before the command wants them). An empty answer
/// is the end.
/// </summary>
internal sealed class RemoteInputStream(Socket socket, Lock gate) : Stream
{
    private readonly Channel<byte[]> _answers = Channel.CreateUnbounded<byte[]>();
    private byte[] _left = [];
    private int _leftOffset;
    private bool _ended;
    private bool _asked;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>An answer from the client (the session's reader calls this).</summary>
    public void Deliver(byte[] data) => _answers.Writer.TryWrite(data);

    /// <summary>The client is gone: reads end.</summary>
    public void End() => _answers.Writer.TryComplete();

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (_leftOffset >= _left.Length)
        {
            if (_ended)
            {
                return 0;
            }

            if (!_asked)
            {
                _asked = true;
                ServiceFrames.WriteInt(socket, gate, ServiceFrames.StdinWanted, Math.Max(buffer.Length, 4096));
            }

            if (!await _answers.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false) || !_answers.Reader.TryRead(out var answer))
            {
                _ended = true;
                return 0;
            }

            // One question, one answer: a read cancelled meanwhile leaves its answer for the next read.
            _asked = false;
            _ended = answer.Length == 0;
            _left = answer;
            _leftOffset = 0;
        }

        var count = Math.Min(buffer.Length, _left.Length - _leftOffset);
        _left.AsMemory(_leftOffset, count).CopyTo(buffer);
        _leftOffset += count;
        return count;
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
