namespace Gadugi.BuildExec.Tasks.Tests.EndToEnd;

/// <summary>
/// A real 'dotnet build' whose target runs &lt;ContainerExec&gt; with OTEL_EXPORTER_OTLP_ENDPOINT set: the
/// execution's span and metrics reach an OTLP/HTTP receiver on 127.0.0.1 by the time the build has
/// ended. The metrics prove the task flushed before it returned: OpenTelemetry's periodic reader
/// exports them only every 60 s, and the build's process is gone when the build ends.
/// </summary>
[TestClass]
[DoNotParallelize]
[TestCategory("EndToEnd")]
public sealed class TelemetryEndToEndTests
{
    [TestMethod]
    public async Task Spans_and_metrics_of_a_ContainerExec_reach_the_OTLP_receiver_before_the_build_ends()
    {
        var solution = await SampleSolution.GetAsync();
        using var receiver = new OtlpReceiver();

        var result = await solution.DotnetAsync(solution.Tool, receiver.ExporterEnvironment(), "build", "--no-restore", "-tl:off", "-p:RunHello=true", "-p:RunConflict=true");

        Assert.AreEqual(0, result.ExitCode, "the exporter's assemblies load beside another task package's\n" + result);
        var executionIds = solution.AuditRecords().TakeLast(2).Select(record => record.GetProperty("id").GetString()!).ToArray();
        StringAssert.Contains(result.Output, "(execution " + executionIds[0] + ")", result.ToString());
        var spans = string.Join('\n', receiver.Bodies("/v1/traces"));
        var metrics = string.Join('\n', receiver.Bodies("/v1/metrics"));
        foreach (var expected in new[] { "gadugi.execution", "gadugi.execution.id", executionIds[0], executionIds[1], "gadugi.policy", "shell", "quick", "gadugi.caller", "msbuild", "process.exit.code", "gadugi-msbuild" })
        {
            StringAssert.Contains(spans, expected, $"the spans lack '{expected}'\n{result}");
        }

        foreach (var expected in new[] { "gadugi.executions", "gadugi.execution.duration", "gadugi.execution.queue_wait", "gadugi.execution.memory.peak", "gadugi.outcome", "success", "gadugi-msbuild" })
        {
            StringAssert.Contains(metrics, expected, $"the metrics lack '{expected}'\n{result}");
        }
    }
}
