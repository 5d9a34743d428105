using System.Text.Json;

namespace Gadugi.BuildExec.Engine.Tests.Cli;

[TestClass]
public sealed class LogFormatTests
{
    [TestMethod]
    public async Task Log_format_json_writes_each_log_line_as_a_JSON_object_with_its_fields()
    {
        var workspace = Directory.CreateTempSubdirectory("gadugi-logjson-test-").FullName;
        File.SetUnixFileMode(workspace, (UnixFileMode)0x1ED);
        try
        {
            var outcome = await Support.Cli.RunAsync(workspace, Support.Cli.AuditTo(Path.Combine(workspace, "audit.jsonl")), null, "run", "--log-format", "json", "--verbose", "--", "echo", "hello");

            Assert.AreEqual(0, outcome.ExitCode, outcome.ToString());
            Assert.AreEqual("hello\n", outcome.Stdout, "the command's own output stays plain");
            var lines = outcome.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.IsNotEmpty(lines, outcome.ToString());
            var records = lines.Select(line => JsonDocument.Parse(line).RootElement).ToArray();
            Assert.IsTrue(records.All(r => r.TryGetProperty("Timestamp", out _) && r.TryGetProperty("LogLevel", out _) && r.TryGetProperty("Category", out _) && r.TryGetProperty("Message", out _)), outcome.Stderr);
            var step = records.First(r => r.GetProperty("Category").GetString()!.EndsWith("SandboxExecutor", StringComparison.Ordinal) && r.TryGetProperty("State", out var state) && state.TryGetProperty("Step", out _));
            Assert.AreEqual(12, step.GetProperty("State").GetProperty("ExecutionId").GetString()!.Length, step.ToString());

            var unknown = await Support.Cli.RunAsync(workspace, null, null, "doctor", "--log-format", "xml");
            Assert.AreNotEqual(0, unknown.ExitCode, unknown.ToString());
        }
        finally
        {
            Directory.Delete(workspace, recursive: true);
        }
    }
}
