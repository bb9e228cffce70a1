using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Hark.Server;

/// <summary>
/// The server's OpenTelemetry export. Metrics are always scraped at <c>/metrics</c> (<c>AddHark</c>); setting
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (or a signal's own <c>OTEL_EXPORTER_OTLP_*_ENDPOINT</c>) also pushes metrics and
/// traces over OTLP, configured by the standard <c>OTEL_*</c> variables (protocol, headers, service name, sampler).
/// Tracing stays off otherwise, so an unobserved server creates no spans.
/// </summary>
internal static class Telemetry
{
    private static readonly string[] EndpointSettings =
        ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"];

    public static void Add(WebApplicationBuilder builder)
    {
        if (!EndpointSettings.Any(name => !string.IsNullOrWhiteSpace(builder.Configuration[name])))
        {
            return;
        }
        builder.Services.AddOpenTelemetry()
            .WithTracing(tracing => tracing.AddSource(HarkTracing.SourceName).AddAspNetCoreInstrumentation())
            .UseOtlpExporter();
    }
}
