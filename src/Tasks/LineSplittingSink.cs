using System.Text;
using Gadugi.BuildExec.Core.Execution;

namespace Gadugi.BuildExec.Tasks;

/// <summary>
/// Turns the sandbox's live output chunks into whole lines per stream (UTF-8 decoded across chunk
/// boundaries, CR LF and LF endings), so each line can be logged as soon as it is complete.
/// </summary>
public sealed class LineSplittingSink(Action<OutputStreamKind, string> onLine) : IOutputSink
{
    private readonly StreamState _stdout = new();
    private readonly StreamState _stderr = new();
    private readonly Lock _lock = new();

    public ValueTask WriteAsync(OutputStreamKind stream, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var state = stream == OutputStreamKind.Stdout ? _stdout : _stderr;
            var chars = new char[state.Decoder.GetCharCount(data.Span, flush: false)];
            var count = state.Decoder.GetChars(data.Span, chars, flush: false);
            foreach (var c in chars.AsSpan(0, count))
            {
                if (c == '\n')
                {
                    Emit(stream, state);
                }
                else
                {
                    state.Pending.Append(c);
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Emits what is left of each stream (a last line without a newline).</summary>
    public void Flush()
    {
        lock (_lock)
        {
            foreach (var (stream, state) in new[] { (OutputStreamKind.Stdout, _stdout), (OutputStreamKind.Stderr, _stderr) })
            {
                var rest = new char[state.Decoder.GetCharCount([], flush: true)];
                state.Decoder.GetChars([], rest, flush: true);
                state.Pending.Append(rest);
                if (state.Pending.Length > 0)
                {
                    Emit(stream, state);
                }
            }
        }
    }

    private void Emit(OutputStreamKind stream, StreamState state)
    {
        if (state.Pending.Length > 0 && state.Pending[^1] == '\r')
        {
            state.Pending.Length--;
        }

        var line = state.Pending.ToString();
        state.Pending.Clear();
        onLine(stream, line);
    }

    private sealed class StreamState
    {
        public Decoder Decoder { get; } = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();

        public StringBuilder Pending { get; } = new();
    }
}
