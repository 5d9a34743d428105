using System.Text;
using Gadugi.BuildExec.Core.Execution;
using Gadugi.BuildExec.Core.Execution.Output;

namespace Gadugi.BuildExec.Core.Tests.Execution;

[TestClass]
public sealed class HeadTailBufferTests
{
    [TestMethod]
    public void Short_output_is_kept_whole()
    {
        var buffer = new HeadTailBuffer(100);
        buffer.Append("hello\n"u8);
        buffer.Append("world\n"u8);

        var captured = buffer.ToCapturedOutput();

        Assert.AreEqual("hello\nworld\n", captured.Text);
        Assert.AreEqual(12, captured.TotalBytes);
        Assert.IsFalse(captured.Truncated);
    }

    [TestMethod]
    public void Flood_keeps_head_and_tail_with_a_marker()
    {
        var buffer = new HeadTailBuffer(20);
        buffer.Append(Encoding.ASCII.GetBytes("HEAD-"));
        for (var i = 0; i < 1000; i++)
        {
            buffer.Append(Encoding.ASCII.GetBytes("y\n"));
        }

        buffer.Append(Encoding.ASCII.GetBytes("-TAIL"));

        var captured = buffer.ToCapturedOutput();

        Assert.IsTrue(captured.Truncated);
        Assert.AreEqual(2010, captured.TotalBytes);
        StringAssert.StartsWith(captured.Text, "HEAD-y\ny\n");
        StringAssert.EndsWith(captured.Text, "y\ny\n-TAIL");
        StringAssert.Contains(captured.Text, "[gadugi: 1990 bytes omitted]");
    }

    [TestMethod]
    public void A_single_chunk_larger_than_the_budget_keeps_its_own_tail()
    {
        var buffer = new HeadTailBuffer(10);
        buffer.Append(Encoding.ASCII.GetBytes("0123456789abcdefghij"));

        var captured = buffer.ToCapturedOutput();

        StringAssert.StartsWith(captured.Text, "01234");
        StringAssert.EndsWith(captured.Text, "fghij");
        StringAssert.Contains(captured.Text, "10 bytes omitted");
    }

    [TestMethod]
    public void Tail_ring_wraps_in_order()
    {
        var buffer = new HeadTailBuffer(8);
        foreach (var piece in new[] { "abcd", "ef", "gh", "ij", "k" })
        {
            buffer.Append(Encoding.ASCII.GetBytes(piece));
        }

        var captured = buffer.ToCapturedOutput();

        StringAssert.StartsWith(captured.Text, "abcd");
        StringAssert.EndsWith(captured.Text, "hijk");
    }
}
