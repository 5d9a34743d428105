namespace Gadugi.BuildExec.Cli.Telemetry;

/// <summary>
/// OTLP export of the executor's spans and metrics, switched on by OTEL_EXPORTER_OTLP_ENDPOINT (with
/// OpenTelemetry's own variables: OTEL_EXPORTER_OTLP_PROTOCOL, _HEADERS, OTEL_SERVICE_NAME, …). Without
/// it nothing of OpenTelemetry is loaded: <see cref="OtlpExport"/> is the only type that names it.
/// </summary>
internal static class CliTelemetry
{
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The exporters to dispose (which flushes them) before the process ends, or null when export is off.</summary>
    public static IDisposable? Start() =>
        string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(EndpointVariable)) ? null : OtlpExport.Start();
}
