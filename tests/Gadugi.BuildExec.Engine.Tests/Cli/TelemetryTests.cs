using System.Text.Json;
using Gadugi.BuildExec.Cli.Telemetry;

namespace Gadugi.BuildExec.Engine.Tests.Cli;

/// <summary>The CLI's spans and metrics reach an OTLP/HTTP receiver; without an endpoint nothing of OpenTelemetry loads.</summary>
[TestClass]
public sealed class TelemetryTests
{
    private string _workspace = string.Empty;

    [TestInitialize]
    public void CreateWorkspace()
    {
        _workspace = Directory.CreateTempSubdirectory("gadugi-otel-test-").FullName;
        File.SetUnixFileMode(_workspace, (UnixFileMode)0x1ED);
    }

    [TestCleanup]
    public void DeleteWorkspace() => Directory.Delete(_workspace, recursive: true);

    [TestMethod]
    public async Task Spans_and_metrics_of_a_run_reach_the_OTLP_receiver()
    {
        using var receiver = new OtlpReceiver();
        var audit = Path.Combine(_workspace, "audit.jsonl");
        var environment = new Dictionary<string, string>
        {
            ["GADUGI_AUDIT_LOG"] = audit,
            [CliTelemetry.EndpointVariable] = receiver.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        };

        var outcome = await Support.Cli.RunAsync(_workspace, environment, null, "run", "--timeout", "1s", "--", "sleep", "30");

        Assert.AreEqual(124, outcome.ExitCode, outcome.ToString());
        var executionId = JsonDocument.Parse(File.ReadAllLines(audit)[^1]).RootElement.GetProperty("id").GetString()!;
        var traces = receiver.Bodies("/v1/traces");
        var metrics = receiver.Bodies("/v1/metrics");
        Assert.IsNotEmpty(traces, "no spans arrived\n" + outcome);
        Assert.IsNotEmpty(metrics, "no metrics arrived\n" + outcome);

        var spans = string.Join('\n', traces);
        foreach (var expected in new[] { "gadugi.execution", "gadugi.execution.id", executionId, "gadugi.policy", "shell", "gadugi.runtime", "runc", "process.exit.code", "gadugi.kill_reason", "timeout", "gadugi-exec" })
        {
            StringAssert.Contains(spans, expected, $"the span lacks '{expected}'");
        }

        var points = string.Join('\n', metrics);
        foreach (var expected in new[] { "gadugi.executions", "gadugi.executions.killed", "gadugi.execution.queue_wait", "gadugi.execution.duration", "gadugi.execution.memory.peak", "gadugi.execution.memory.utilization", "gadugi.outcome" })
        {
            StringAssert.Contains(points, expected, $"the metrics lack '{expected}'");
        }
    }

    [TestMethod]
    public void Without_an_endpoint_export_is_off_and_OpenTelemetry_is_not_loaded()
    {
        Assert.IsNull(Environment.GetEnvironmentVariable(CliTelemetry.EndpointVariable), "the test needs the variable unset");

        using var telemetry = CliTelemetry.Start();

        Assert.IsNull(telemetry);
        Assert.IsFalse(AppDomain.CurrentDomain.GetAssemblies().Any(a => a.GetName().Name!.StartsWith("OpenTelemetry", StringComparison.Ordinal)), "an OpenTelemetry assembly was loaded");
    }
}
