using Hark;
using Hark.AspNetCore;
using Hark.Redis;
using Hark.Redis.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Redis engine on <c>AddHark()</c>'s builder.</summary>
public static class RedisHarkBuilderExtensions
{
    /// <summary>
    /// Makes Hark keep its channels in Redis, so several nodes on one Redis share one history and one fan-out.
    /// Settings bind from <c>Hark:Redis</c> (then <paramref name="configure"/>); readiness (<c>/healthz/ready</c>)
    /// follows the node's wake-up subscription.
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
        services.AddSingleton<IHarkEngine>(sp => new RedisEngine(sp.GetRequiredService<IOptions<RedisOptions>>().Value,
            sp.GetRequiredService<IOptions<HarkOptions>>().Value.History, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<RedisEngine>>()));
        services.AddHostedService<RedisStartup>();
        services.AddHealthChecks().AddCheck<RedisHealthCheck>("hark-redis", tags: ["ready"]);
        return builder;
    }
}
