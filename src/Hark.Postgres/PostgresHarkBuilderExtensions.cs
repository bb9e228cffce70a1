using Hark;
using Hark.AspNetCore;
using Hark.Postgres;
using Hark.Postgres.Internal;
using Hark.Presence;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the PostgreSQL engine on <c>AddHark()</c>'s builder.</summary>
public static class PostgresHarkBuilderExtensions
{
    /// <summary>
    /// Makes Hark keep its channels in PostgreSQL, so several nodes on one database share one history, one
    /// fan-out and one presence store. Settings bind from <c>Hark:Postgres</c> (then <paramref name="configure"/>); the schema
    /// is created or migrated at start-up, and readiness (<c>/healthz/ready</c>) follows the listening connection.
    /// </summary>
    public static IHarkBuilder AddPostgres(this IHarkBuilder builder, Action<PostgresOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<PostgresOptions>().BindConfiguration(PostgresOptions.SectionName)
            .Validate(o => !string.IsNullOrWhiteSpace(o.ConnectionString), "Hark:Postgres:ConnectionString is required for the postgres engine.")
            .Validate(o => o.CacheMessagesPerChannel >= 1, "Hark:Postgres:CacheMessagesPerChannel must be at least 1.")
            .Validate(o => o.KeepAliveInterval > TimeSpan.Zero && o.MaxReconnectDelay > TimeSpan.Zero && o.IdleChannelTimeout > TimeSpan.Zero,
                "Hark:Postgres: KeepAliveInterval, MaxReconnectDelay and IdleChannelTimeout must be positive.")
            .ValidateOnStart();
        if (configure is not null)
        {
            services.Configure(configure);
        }
        services.PostConfigure<HarkOptions>(o => o.Engine = "postgres");
        services.RemoveAll<IHarkEngine>();
        services.AddSingleton<IHarkEngine>(sp =>
        {
            var hark = sp.GetRequiredService<IOptions<HarkOptions>>().Value;
            var limits = new EngineLimits(hark.Limits.MaxChannels, hark.Limits.MaxHistoryBytes, hark.Limits.MaxSubscribersPerChannel);
            return new PostgresEngine(sp.GetRequiredService<IOptions<PostgresOptions>>().Value, hark.History, limits,
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<PostgresEngine>>());
        });
        // Presence leases live in the same database, over the engine's connection pool.
        services.RemoveAll<IPresenceStore>();
        services.AddSingleton<IPresenceStore>(sp => new PostgresPresenceStore(sp.GetRequiredService<IHarkEngine>() as PostgresEngine
            ?? throw new InvalidOperationException("The postgres presence store needs the postgres engine, replaced since AddPostgres().")));
        // Npgsql's meter joins /metrics; its commands become spans wherever the host traces (OTLP, or its own exporter).
        services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddNpgsqlInstrumentation());
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddNpgsql());
        services.AddHostedService<PostgresStartup>();
        services.AddHealthChecks().AddCheck<PostgresHealthCheck>("hark-postgres", tags: ["ready"]);
        return builder;
    }
}
