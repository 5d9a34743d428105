namespace Gadugi.BuildExec.Core.Telemetry;

/// <summary>
/// OTLP export of <see cref="GadugiTelemetry"/>'s spans and metrics for a host process (the CLI, an
/// MSBuild task, the Action), switched on by OTEL_EXPORTER_OTLP_ENDPOINT and configured by
/// OpenTelemetry's own variables (OTEL_EXPORTER_OTLP_PROTOCOL, _HEADERS, _TIMEOUT, OTEL_SERVICE_NAME,
/// OTEL_RESOURCE_ATTRIBUTES). Without the variable nothing of OpenTelemetry is loaded:
/// <see cref="OtlpExport"/> is the only type that names it.
/// </summary>
public static class TelemetryExport
{
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// Starts the export, or returns null when OTEL_EXPORTER_OTLP_ENDPOINT is not set. Disposing the
    /// result flushes: the last spans and a final collection of the metrics are sent before it returns.
    /// </summary>
    /// <param name="serviceName">The service.name of the exported resource (gadugi-exec, gadugi-msbuild, gadugi-action).</param>
    public static IDisposable? Start(string serviceName) =>
        string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(EndpointVariable)) ? null : OtlpExport.Start(serviceName);
}
