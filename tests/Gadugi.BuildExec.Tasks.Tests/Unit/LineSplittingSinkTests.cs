using System.Text;
using Gadugi.BuildExec.Core.Execution;

namespace Gadugi.BuildExec.Tasks.Tests.Unit;

[TestClass]
public sealed class LineSplittingSinkTests
{
    private readonly List<(OutputStreamKind Stream, string Line)> _lines = [];

    private LineSplittingSink NewSink() => new((stream, line) => _lines.Add((stream, line)));

    private static async Task WriteAsync(LineSplittingSink sink, OutputStreamKind stream, byte[] bytes) =>
        await sink.WriteAsync(stream, bytes, CancellationToken.None);

    [TestMethod]
    public async Task Lines_are_emitted_when_complete_and_the_rest_on_flush()
    {
        var sink = NewSink();
        await WriteAsync(sink, OutputStreamKind.Stdout, "one\ntw"u8.ToArray());
        Assert.HasCount(1, _lines);
        await WriteAsync(sink, OutputStreamKind.Stdout, "o\r\nthree"u8.ToArray());
        Assert.HasCount(2, _lines);

        sink.Flush();

        CollectionAssert.AreEqual(new[] { "one", "two", "three" }, _lines.Select(l => l.Line).ToArray());
    }

    [TestMethod]
    public async Task A_character_split_across_chunks_is_decoded_whole()
    {
        var sink = NewSink();
        var bytes = Encoding.UTF8.GetBytes("größe ✓\n");
        foreach (var b in bytes)
        {
            await WriteAsync(sink, OutputStreamKind.Stderr, [b]);
        }

        Assert.HasCount(1, _lines);
        Assert.AreEqual((OutputStreamKind.Stderr, "größe ✓"), _lines[0]);
    }

    [TestMethod]
    public async Task Streams_are_split_independently()
    {
        var sink = NewSink();
        await WriteAsync(sink, OutputStreamKind.Stdout, "out-"u8.ToArray());
        await WriteAsync(sink, OutputStreamKind.Stderr, "err\n"u8.ToArray());
        await WriteAsync(sink, OutputStreamKind.Stdout, "line\n\n"u8.ToArray());
        sink.Flush();

        CollectionAssert.AreEqual(
            new[] { (OutputStreamKind.Stderr, "err"), (OutputStreamKind.Stdout, "out-line"), (OutputStreamKind.Stdout, string.Empty) },
            _lines.ToArray());
    }

    [TestMethod]
    public void Flush_without_output_emits_nothing()
    {
        NewSink().Flush();

        Assert.IsEmpty(_lines);
    }
}
