using Gadugi.BuildExec.Action.Reporting;
using Gadugi.BuildExec.Action.Running;
using Gadugi.BuildExec.Action.Tests.Support;
using Gadugi.BuildExec.Core.Execution;

namespace Gadugi.BuildExec.Action.Tests;

[TestClass]
public sealed class AnnotationTests
{
    [TestMethod]
    [DataRow("src/Program.cs(12,7): error CS1002: ; expected [/workspace/app.csproj]", "src/Program.cs", 12, 7, "Error", "CS1002", "; expected")]
    [DataRow("/workspace/src/A.cs(3,1,3,9): warning CA1822: Member 'X' can be static [/workspace/a.csproj::TargetFramework=net10.0]", "/workspace/src/A.cs", 3, 1, "Warning", "CA1822", "Member 'X' can be static")]
    [DataRow("lib/x.ts(40): error TS2304: Cannot find name 'y'.", "lib/x.ts", 40, null, "Error", "TS2304", "Cannot find name 'y'.")]
    [DataRow("  Build.fs(1,2) : Warning FS0064: less generic", "Build.fs", 1, 2, "Warning", "FS0064", "less generic")]
    [DataRow(@"C:\src\Win.cs(5,5): error CS0103: nope", @"C:\src\Win.cs", 5, 5, "Error", "CS0103", "nope")]
    public void Canonical_compiler_messages_are_recognised(string line, string file, int lineNumber, int? column, string severity, string code, string text)
    {
        var message = CompilerMessageParser.TryParse(line);

        Assert.IsNotNull(message);
        Assert.AreEqual(new CompilerMessage(file, lineNumber, column, Enum.Parse<AnnotationSeverity>(severity), code, text), message);
    }

    [TestMethod]
    [DataRow("error: something went wrong")]
    [DataRow("Build FAILED.")]
    [DataRow("    0 Warning(s)")]
    [DataRow("see foo(1,2) for details: error is fine")]
    [DataRow("src/a.cs(x,1): error CS1: no")]
    public void Other_lines_are_not_annotations(string line) => Assert.IsNull(CompilerMessageParser.TryParse(line));

    [TestMethod]
    public void Paths_become_workspace_relative_from_the_sandbox_and_the_working_directory()
    {
        var collector = new AnnotationCollector("/github/workspace", "/github/workspace/app");

        Assert.AreEqual("app/src/A.cs", collector.WorkspaceRelative("/workspace/src/A.cs"));
        Assert.AreEqual("app/src/A.cs", collector.WorkspaceRelative("src/A.cs"));
        Assert.AreEqual("app/src/A.cs", collector.WorkspaceRelative(@"src\A.cs"));
        Assert.AreEqual("lib/B.cs", collector.WorkspaceRelative("../lib/B.cs"));
        Assert.AreEqual("app/C.cs", collector.WorkspaceRelative("/github/workspace/app/C.cs"), "the unsandboxed fallback prints local paths");
        Assert.IsNull(collector.WorkspaceRelative("/usr/include/stdio.h"));
        Assert.IsNull(collector.WorkspaceRelative("../../etc/passwd"));
    }

    [TestMethod]
    public void Repeated_messages_are_kept_once_and_outside_ones_are_counted_as_dropped()
    {
        var collector = new AnnotationCollector("/ws", "/ws");
        var message = new CompilerMessage("a.cs", 1, 2, AnnotationSeverity.Error, "CS1", "bad");

        collector.Add(message, 1);
        collector.Add(message, 1);
        collector.Add(message with { File = "/opt/x.cs" }, 1);

        Assert.HasCount(1, collector.Annotations);
        Assert.AreEqual(1, collector.Dropped);
    }

    [TestMethod]
    public async Task The_output_sink_copies_output_keeps_a_clean_tail_and_finds_messages_split_across_chunks()
    {
        using var capture = new ConsoleCapture();
        var collector = new AnnotationCollector("/ws", "/ws");
        var sink = new StepOutputSink(capture.Console, collector, step: 3);

        await sink.WriteAsync(OutputStreamKind.Stdout, "\u001b[31mred\u001b[0m line\r\nsrc/a.cs(4,2): err"u8.ToArray(), CancellationToken.None);
        await sink.WriteAsync(OutputStreamKind.Stderr, "stderr line\n"u8.ToArray(), CancellationToken.None);
        await sink.WriteAsync(OutputStreamKind.Stdout, "or CS0001: split\nunterminated"u8.ToArray(), CancellationToken.None);
        sink.Complete();

        CollectionAssert.AreEqual(new[] { "red line", "stderr line", "src/a.cs(4,2): error CS0001: split", "unterminated" }, sink.Tail.ToArray());
        Assert.AreEqual(new Annotation("src/a.cs", 4, 2, AnnotationSeverity.Error, "CS0001", "split", 3), collector.Annotations.Single());
        Assert.Contains("stderr line", capture.Text);
    }

    [TestMethod]
    public async Task The_tail_keeps_only_the_last_lines()
    {
        using var capture = new ConsoleCapture();
        var sink = new StepOutputSink(capture.Console, new AnnotationCollector("/ws", "/ws"), 1);
        var text = string.Concat(Enumerable.Range(1, StepOutputSink.TailLines + 50).Select(i => $"line {i}\n"));

        await sink.WriteAsync(OutputStreamKind.Stdout, System.Text.Encoding.UTF8.GetBytes(text), CancellationToken.None);

        Assert.HasCount(StepOutputSink.TailLines, sink.Tail);
        Assert.AreEqual("line 51", sink.Tail[0]);
        Assert.AreEqual($"line {StepOutputSink.TailLines + 50}", sink.Tail[^1]);
    }
}
