using System.Text;

namespace Gadugi.BuildExec.Core.Execution.Output;

/// <summary>
/// Keeps the first and the last bytes of a stream within a fixed budget; what falls between is
/// counted and replaced by a marker, so a flood cannot exhaust memory and both ends stay readable.
/// </summary>
internal sealed class HeadTailBuffer
{
    private readonly byte[] _head;
    private readonly byte[] _tail;
    private int _headLength;
    private long _tailWritten;

    public HeadTailBuffer(long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2);
        var half = (int)Math.Min(capacity / 2, int.MaxValue / 2);
        _head = new byte[half];
        _tail = new byte[half];
    }

    public long TotalBytes { get; private set; }

    public bool Truncated => TotalBytes > _head.Length + _tail.Length;

    public void Append(ReadOnlySpan<byte> data)
    {
        TotalBytes += data.Length;
        var toHead = Math.Min(data.Length, _head.Length - _headLength);
        data[..toHead].CopyTo(_head.AsSpan(_headLength));
        _headLength += toHead;
        data = data[toHead..];
        if (data.IsEmpty)
        {
            return;
        }

        if (data.Length >= _tail.Length)
        {
            data[^_tail.Length..].CopyTo(_tail);
            _tailWritten += data.Length;
            return;
        }

        var start = (int)(_tailWritten % _tail.Length);
        var first = Math.Min(data.Length, _tail.Length - start);
        data[..first].CopyTo(_tail.AsSpan(start));
        data[first..].CopyTo(_tail);
        _tailWritten += data.Length;
    }

    public CapturedOutput ToCapturedOutput()
    {
        var builder = new StringBuilder();
        builder.Append(Encoding.UTF8.GetString(_head, 0, _headLength));
        var tail = TailBytes();
        var omitted = TotalBytes - _headLength - tail.Length;
        if (omitted > 0)
        {
            builder.Append(System.Globalization.CultureInfo.InvariantCulture, $"\n…[gadugi: {omitted} bytes omitted]…\n");
        }

        builder.Append(Encoding.UTF8.GetString(tail));
        return new CapturedOutput(builder.ToString(), TotalBytes, omitted > 0);
    }

    private byte[] TailBytes()
    {
        var length = (int)Math.Min(_tailWritten, _tail.Length);
        var result = new byte[length];
        if (_tailWritten <= _tail.Length)
        {
            Array.Copy(_tail, result, length);
            return result;
        }

        var start = (int)(_tailWritten % _tail.Length);
        var firstPart = _tail.Length - start;
        Array.Copy(_tail, start, result, 0, firstPart);
        Array.Copy(_tail, 0, result, firstPart, start);
        return result;
    }
}
