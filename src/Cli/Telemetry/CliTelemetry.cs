using Gadugi.BuildExec.Core.Telemetry;

namespace Gadugi.BuildExec.Cli.Telemetry;

/// <summary>The CLI's OTLP export (<see cref="TelemetryExport"/>), switched on by OTEL_EXPORTER_OTLP_ENDPOINT.</summary>
internal static class CliTelemetry
{
    public const string EndpointVariable = TelemetryExport.EndpointVariable;

    /// <summary>The exporters to dispose (which flushes them) before the process ends, or null when export is off.</summary>
    public static IDisposable? Start() => TelemetryExport.Start("gadugi-exec");
}
