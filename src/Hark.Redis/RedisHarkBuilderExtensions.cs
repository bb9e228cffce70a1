using Hark;
using Hark.AspNetCore;
using Hark.Presence;
using Hark.Redis;
using Hark.Redis.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Instrumentation.StackExchangeRedis;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Redis engine on <c>AddHark()</c>'s builder.</summary>
public static class RedisHarkBuilderExtensions
{
    /// <summary>
    /// Makes Hark keep its channels in Redis, so several nodes on one Redis share one history, one fan-out
    /// and one presence store. Settings bind from <c>Hark:Redis</c> (then <paramref name="configure"/>); readiness
    /// (<c>/healthz/ready</c>) follows the node's wake-up subscription.
    /// </summary>
    public static IHarkBuilder AddRedis(this IHarkBuilder builder, Action<RedisOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.SectionName)
            .Validate(o => !string.IsNullOrWhiteSpace(o.Configuration), "Hark:Redis:Configuration is required for the redis engine.")
            .Validate(o => o.IdleChannelTtl > TimeSpan.Zero && o.KeepAliveInterval > TimeSpan.Zero && o.MaxReconnectDelay > TimeSpan.Zero,
                "Hark:Redis: IdleChannelTtl, KeepAliveInterval and MaxReconnectDelay must be positive.")
            .ValidateOnStart();
        if (configure is not null)
        {
            services.Configure(configure);
        }
        services.PostConfigure<HarkOptions>(o => o.Engine = "redis");
        services.RemoveAll<IHarkEngine>();
        // Redis commands become spans wherever the host traces; the instrumentation profiles the engine's own
        // connection, handed to it once made (and only when a tracer provider exists: profiling costs otherwise).
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddRedisInstrumentation());
        services.AddSingleton<IHarkEngine>(sp => new RedisEngine(sp.GetRequiredService<IOptions<RedisOptions>>().Value,
            sp.GetRequiredService<IOptions<HarkOptions>>().Value.History, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<RedisEngine>>())
        {
            Connected = redis =>
            {
                if (sp.GetService<TracerProvider>() is not null)
                {
                    sp.GetService<StackExchangeRedisInstrumentation>()?.AddConnection("hark", redis);
                }
            },
        });
        // Presence leases live in the same Redis, over the engine's connection.
        services.RemoveAll<IPresenceStore>();
        services.AddSingleton<IPresenceStore>(sp => new RedisPresenceStore(sp.GetRequiredService<IHarkEngine>() as RedisEngine
            ?? throw new InvalidOperationException("The redis presence store needs the redis engine, replaced since AddRedis()."),
            sp.GetRequiredService<IOptions<RedisOptions>>().Value));
        services.AddHostedService<RedisStartup>();
        services.AddHealthChecks().AddCheck<RedisHealthCheck>("hark-redis", tags: ["ready"]);
        return builder;
    }
}
