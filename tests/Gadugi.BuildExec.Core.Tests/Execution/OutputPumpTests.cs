using System.Text;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Execution.Output;

namespace Gadugi.BuildExec.Core.Tests.Execution;

[TestClass]
public sealed class OutputPumpTests
{
    private sealed class RecordingSink : IOutputSink
    {
        public List<(OutputStreamKind Kind, string Text)> Writes { get; } = [];

        public ValueTask WriteAsync(OutputStreamKind stream, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            Writes.Add((stream, Encoding.UTF8.GetString(data.Span)));
            return ValueTask.CompletedTask;
        }
    }

    [TestMethod]
    public async Task Streams_stay_separate_and_in_order()
    {
        var sink = new RecordingSink();
        using var pump = new OutputPump(sink, outputLimit: 1000, captureLimit: 1000);

        await pump.AcceptAsync(OutputStreamKind.Stdout, "out1\n"u8.ToArray(), CancellationToken.None);
        await pump.AcceptAsync(OutputStreamKind.Stderr, "err1\n"u8.ToArray(), CancellationToken.None);
        await pump.AcceptAsync(OutputStreamKind.Stdout, "out2\n"u8.ToArray(), CancellationToken.None);

        CollectionAssert.AreEqual(
            new[] { (OutputStreamKind.Stdout, "out1\n"), (OutputStreamKind.Stderr, "err1\n"), (OutputStreamKind.Stdout, "out2\n") },
            sink.Writes);
        Assert.AreEqual("out1\nout2\n", pump.Stdout.Text);
        Assert.AreEqual("err1\n", pump.Stderr.Text);
        Assert.IsFalse(pump.LimitWasExceeded);
    }

    [TestMethod]
    public async Task Limit_fires_once_and_nothing_past_it_is_forwarded()
    {
        var sink = new RecordingSink();
        using var pump = new OutputPump(sink, outputLimit: 10, captureLimit: 100);
        var fired = 0;
        pump.LimitExceeded += () => fired++;

        await pump.AcceptAsync(OutputStreamKind.Stdout, "12345678"u8.ToArray(), CancellationToken.None);
        await pump.AcceptAsync(OutputStreamKind.Stdout, "ABCDEFGH"u8.ToArray(), CancellationToken.None);
        await pump.AcceptAsync(OutputStreamKind.Stderr, "more"u8.ToArray(), CancellationToken.None);

        Assert.AreEqual(1, fired);
        Assert.IsTrue(pump.LimitWasExceeded);
        Assert.AreEqual("12345678AB", string.Concat(sink.Writes.Select(w => w.Text)));
        Assert.AreEqual(20, pump.TotalBytes);
    }
}
