using System.Text;
using System.Text.RegularExpressions;
using Gadugi.BuildExec.Action.Logging;
using Gadugi.BuildExec.Action.Reporting;
using Gadugi.BuildExec.Core.Execution;

namespace Gadugi.BuildExec.Action.Running;

/// <summary>
/// Receives one step's output live: copies it to the job log, and splits it into lines (per stream)
/// to keep the last <see cref="TailLines"/> and to collect compiler messages as annotations.
/// </summary>
public sealed partial class StepOutputSink(ActionConsole console, AnnotationCollector annotations, int step) : IOutputSink
{
    public const int TailLines = 200;
    private const int MaxLineBytes = 8192;

    private readonly Lock _lock = new();
    private readonly LinkedList<string> _tail = new();
    private readonly List<byte> _stdoutLine = [];
    private readonly List<byte> _stderrLine = [];

    [GeneratedRegex(@"\x1B(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1B]*(?:\x07|\x1B\\)|[@-Z\\-_])")]
    private static partial Regex AnsiEscape();

    /// <summary>The last lines of output, both streams in arrival order, without terminal escapes.</summary>
    public IReadOnlyList<string> Tail
    {
        get
        {
            lock (_lock)
            {
                return _tail.ToArray();
            }
        }
    }

    public ValueTask WriteAsync(OutputStreamKind stream, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        console.WriteRaw(data.Span);
        lock (_lock)
        {
            var line = stream == OutputStreamKind.Stdout ? _stdoutLine : _stderrLine;
            var span = data.Span;
            while (!span.IsEmpty)
            {
                var newline = span.IndexOf((byte)'\n');
                var part = newline < 0 ? span : span[..newline];
                var room = MaxLineBytes - line.Count;
                line.AddRange(part[..Math.Min(part.Length, Math.Max(room, 0))]);
                if (newline < 0)
                {
                    break;
                }

                EndLine(line);
                span = span[(newline + 1)..];
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Takes in lines left without a final newline.</summary>
    public void Complete()
    {
        console.FlushRaw();
        lock (_lock)
        {
            if (_stdoutLine.Count > 0)
            {
                EndLine(_stdoutLine);
            }

            if (_stderrLine.Count > 0)
            {
                EndLine(_stderrLine);
            }
        }
    }

    internal static string Clean(string line) => AnsiEscape().Replace(line, string.Empty).TrimEnd('\r');

    private void EndLine(List<byte> buffer)
    {
        // Redacted here, before the reports cut anything short: a secret cut in half would escape the redactor.
        var text = console.Redactor.Redact(Clean(Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(buffer))));
        buffer.Clear();
        _tail.AddLast(text);
        if (_tail.Count > TailLines)
        {
            _tail.RemoveFirst();
        }

        if (CompilerMessageParser.TryParse(text) is { } message)
        {
            annotations.Add(message, step);
        }
    }
}
