using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;

namespace Hark.AspNetCore.Internal;

/// <summary>
/// Hark's part of the host's OpenTelemetry: a meter provider that reads Hark's meter, ASP.NET Core's and Kestrel's,
/// and the runtime's, and serves them to Prometheus at <c>/metrics</c> (mapped by <c>MapHark</c>). Other exporters
/// (OTLP by the <c>OTEL_*</c> variables) and tracing are the host's choice: the server turns them on.
/// </summary>
internal static class HarkTelemetry
{
    public static void AddMetrics(IServiceCollection services)
    {
        services.ConfigureOpenTelemetryMeterProvider(KeepThisHostsMeters);
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(HarkMetrics.MeterName)
            .AddAspNetCoreInstrumentation()
            .AddRuntimeInstrumentation()
            .AddPrometheusExporter(ConfigurePrometheus));
    }

    // A meter provider listens to every meter of a name in the process. Meters made by a host's IMeterFactory
    // belong to that host: another host in the same process (tests, or an app hosting two) has its own, and
    // counting both here would add their numbers together.
    private static void KeepThisHostsMeters(IServiceProvider provider, MeterProviderBuilder builder)
    {
        var factory = provider.GetRequiredService<IMeterFactory>();
        builder.AddView(instrument =>
            instrument.Meter.Scope is { } scope && !ReferenceEquals(scope, factory) ? MetricStreamConfiguration.Drop : null);
    }

    private static void ConfigurePrometheus(PrometheusAspNetCoreOptions options)
    {
        // Every scrape collects afresh: the exporter's default cache (300 ms) would hand a scraper polling a
        // condition a stale answer, and a scrape costs one pass over a few dozen series.
        options.ScrapeResponseCacheDurationMilliseconds = 0;
        // The series stay as they were before the exporter: no otel_scope_* labels on every sample.
        options.ScopeInfoEnabled = false;
    }
}
