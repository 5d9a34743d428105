using System.Runtime.CompilerServices;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Gadugi.BuildExec.Core.Telemetry;

/// <summary>OpenTelemetry's tracer and meter providers with its OTLP exporter, configured from the environment.</summary>
internal static class OtlpExport
{
    // Not inlined, so OpenTelemetry's assemblies load only when export is switched on.
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static IDisposable Start(string serviceName)
    {
        var resource = ResourceBuilder.CreateDefault().AddService(serviceName, serviceVersion: typeof(OtlpExport).Assembly.GetName().Version?.ToString(3));
        var tracing = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .AddSource(GadugiTelemetry.Name)
            .AddOtlpExporter()
            .Build();
        var metrics = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter(GadugiTelemetry.Name)
            .AddOtlpExporter()
            .Build();
        return new Providers(tracing, metrics);
    }

    /// <summary>Disposing flushes: the last spans and a final collection of the metrics are exported.</summary>
    private sealed class Providers(TracerProvider? tracing, MeterProvider? metrics) : IDisposable
    {
        public void Dispose()
        {
            tracing?.Dispose();
            metrics?.Dispose();
        }
    }
}
