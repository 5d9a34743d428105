using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Gadugi.BuildExec.Core.Telemetry;

/// <summary>
/// The toolkit's traces and metrics, on .NET's own <see cref="ActivitySource"/> and <see cref="Meter"/>:
/// free when nobody listens, and exported by whatever listens (the CLI's OTLP exporter when
/// OTEL_EXPORTER_OTLP_ENDPOINT is set, dotnet-counters, an application's OpenTelemetry set-up).
/// Callers that run several executions as one unit of work (a workflow's phases) start their own
/// activities on <see cref="Source"/>; each execution's span becomes their child.
/// </summary>
public static class GadugiTelemetry
{
    /// <summary>The name of the activity source and of the meter.</summary>
    public const string Name = "Gadugi.BuildExec";

    /// <summary>The span of one execution.</summary>
    public const string ExecutionSpan = "gadugi.execution";

    public static ActivitySource Source { get; } = new(Name, Version);

    public static Meter Meter { get; } = new(Name, Version);

    private static string Version => typeof(GadugiTelemetry).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
