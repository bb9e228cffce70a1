using Hark;
using Hark.Ask;
using Hark.AspNetCore;
using Hark.AspNetCore.Internal;
using Hark.AspNetCore.Internal.Admin;
using Hark.AspNetCore.Internal.Transports;
using Hark.AspNetCore.Internal.WebSockets;
using Hark.Hub;
using Hark.Memory;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Hark's services.</summary>
public static class HarkServiceCollectionExtensions
{
    /// <summary>The CORS policy Hark's endpoints use when <c>Hark:Cors:Origins</c> is set.</summary>
    public const string CorsPolicyName = "Hark";

    /// <summary>
    /// Adds Hark: options bound from the <c>Hark</c> configuration section (then <paramref name="configure"/>),
    /// the engine named by <c>Hark:Engine</c> (the in-memory one by default), transports, metrics and health checks.
    /// </summary>
    public static IHarkBuilder AddHark(this IServiceCollection services, Action<HarkOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<HarkOptions>().BindConfiguration(HarkOptions.SectionName).ValidateOnStart();
        if (configure is not null)
        {
            services.Configure(configure);
        }
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HarkOptions>, HarkOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        HarkTelemetry.AddMetrics(services);
        services.TryAddSingleton(sp => new DeadlineWheel(
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<HarkOptions>>().Value.Poll.TimerResolution));
        services.TryAddSingleton<IHarkEngine>(CreateEngine);
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<HarkOptions>>().Value;
            return new FanoutHub(sp.GetRequiredService<IHarkEngine>(), sp.GetRequiredService<DeadlineWheel>(),
                sp.GetRequiredService<TimeProvider>(), options.Limits.MaxSubscribersPerChannel) { IsLatestValue = options.History.IsLatestValue };
        });
        services.TryAddSingleton<HarkMetrics>();
        services.TryAddSingleton<PublisherGate>();
        services.TryAddSingleton<SubscriberGate>();
        services.TryAddSingleton<AdminGate>();
        services.TryAddSingleton<MeterReadings>();
        services.AddHostedService<AdminStats>();
        services.TryAddSingleton<RequestLimits>();
        services.TryAddSingleton<LongPollTransport>();
        services.TryAddSingleton(sp => new StreamTransport(
            sp.GetRequiredService<FanoutHub>(), sp.GetRequiredService<HarkMetrics>(),
            sp.GetRequiredService<IOptions<HarkOptions>>().Value.Streams, sp.GetRequiredService<ILogger<StreamTransport>>()));
        services.TryAddSingleton<SubscribePipeline>();
        services.TryAddSingleton<SubscribeEndpoint>();
        services.TryAddSingleton<PublishEndpoint>();
        services.TryAddSingleton(sp => new AskExchange(sp.GetRequiredService<IHarkEngine>(), sp.GetRequiredService<FanoutHub>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<AskEndpoint>();
        services.TryAddSingleton<WebSocketEndpoint>();
        services.AddHostedService<HarkLifetime>();
        services.AddProblemDetails();
        services.AddHealthChecks().AddCheck<EngineHealthCheck>("hark", tags: ["ready"]);
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<HarkOptions>>((cors, hark) =>
            cors.AddPolicy(CorsPolicyName, policy => ConfigureCors(policy, hark.Value.Cors.Origins)));
        return new HarkBuilder(services);
    }

    private static IHarkEngine CreateEngine(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<HarkOptions>>().Value;
        if (!string.Equals(options.Engine, "memory", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"Hark:Engine '{options.Engine}' is not a known engine; use 'memory', 'postgres' with AddHark().AddPostgres(), 'redis' with AddHark().AddRedis(), or register your own IHarkEngine before AddHark().");
        }
        var limits = new EngineLimits(options.Limits.MaxChannels, options.Limits.MaxHistoryBytes, options.Limits.MaxSubscribersPerChannel);
        return new MemoryEngine(options.History, limits, services.GetRequiredService<TimeProvider>());
    }

    private static void ConfigureCors(CorsPolicyBuilder policy, IList<string> origins)
    {
        if (origins.Contains("*"))
        {
            policy.AllowAnyOrigin();
        }
        else
        {
            policy.WithOrigins([.. origins]);
        }
        policy.WithMethods("GET", "POST", "DELETE")
            .WithHeaders("Authorization", "Content-Type", "Last-Event-ID", PublishEndpoint.EventHeader, PublishEndpoint.VersionHeader, "Cache-Control")
            .SetPreflightMaxAge(TimeSpan.FromHours(1));
    }
}
