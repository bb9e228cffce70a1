using Hark;
using Hark.Ask;
using Hark.AspNetCore;
using Hark.AspNetCore.Internal;
using Hark.AspNetCore.Internal.Auth;
using Hark.AspNetCore.Internal.Admin;
using Hark.AspNetCore.Internal.Transports;
using Hark.AspNetCore.Internal.Nchan;
using Hark.AspNetCore.Internal.Presence;
using Hark.AspNetCore.Internal.WebSockets;
using Hark.Hub;
using Hark.Memory;
using Hark.Presence;
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

    /// <summary>The CORS policy of the Nchan-compatible door (<c>MapNchanCompat</c>) when <c>Hark:Cors:Origins</c> is set: Nchan's headers, and its message id headers readable.</summary>
    public const string NchanCorsPolicyName = "HarkNchan";

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
        services.TryAddSingleton<IPresenceStore>(CreatePresenceStore);
        services.TryAddSingleton<PresenceTracker>();
        services.TryAddSingleton<PresenceEndpoint>();
        services.AddHostedService(sp => sp.GetRequiredService<PresenceTracker>());
        services.TryAddSingleton<HarkMetrics>();
        services.TryAddSingleton<PublisherGate>();
        services.TryAddSingleton<SigningKeys>();
        services.AddHttpClient(SigningKeys.HttpClientName);
        services.AddHttpClient(AuthorizationHook.HttpClientName);
        services.TryAddSingleton<AuthorizationHook>();
        services.TryAddSingleton<GrantSigner>();
        services.TryAddSingleton<SubscriberGate>();
        services.TryAddSingleton<AdminGate>();
        services.TryAddSingleton<MeterReadings>();
        services.AddHostedService<AdminStats>();
        services.TryAddSingleton<RequestLimits>();
        services.TryAddSingleton<LongPollTransport>();
        services.TryAddSingleton(sp => new StreamTransport(
            sp.GetRequiredService<FanoutHub>(), sp.GetRequiredService<HarkMetrics>(),
            sp.GetRequiredService<IOptions<HarkOptions>>().Value.Streams, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<StreamTransport>>()));
        services.TryAddSingleton<SubscribePipeline>();
        services.TryAddSingleton<SubscribeEndpoint>();
        services.TryAddSingleton<PublishEndpoint>();
        services.TryAddSingleton(sp => new AskExchange(sp.GetRequiredService<IHarkEngine>(), sp.GetRequiredService<FanoutHub>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<AskEndpoint>();
        services.TryAddSingleton<WebSocketEndpoint>();
        services.TryAddSingleton<NchanIds>();
        services.TryAddSingleton<NchanLongPoll>();
        services.TryAddSingleton<NchanSocket>();
        services.TryAddSingleton<NchanSubscribeEndpoint>();
        services.TryAddSingleton<NchanPublishEndpoint>();
        services.AddHostedService<HarkLifetime>();
        services.AddProblemDetails();
        services.AddHealthChecks().AddCheck<EngineHealthCheck>("hark", tags: ["ready"]);
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<HarkOptions>>((cors, hark) =>
        {
            cors.AddPolicy(CorsPolicyName, policy => ConfigureCors(policy, hark.Value.Cors.Origins));
            cors.AddPolicy(NchanCorsPolicyName, policy => ConfigureNchanCors(policy, hark.Value.Cors.Origins));
        });
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

    /// <summary>
    /// The memory engine's leases stay in the process; an engine shared by several nodes registers its own store beside it
    /// (AddPostgres, AddRedis), since leases kept per node would make each node see only its own subscribers.
    /// </summary>
    private static IPresenceStore CreatePresenceStore(IServiceProvider services)
    {
        var engine = services.GetRequiredService<IHarkEngine>();
        if (engine is not MemoryEngine && services.GetRequiredService<IOptions<HarkOptions>>().Value.Presence.Channels.Count > 0)
        {
            throw new InvalidOperationException($"Hark:Presence needs a presence store shared like the engine ({engine.GetType().Name}): register an IPresenceStore beside it.");
        }
        return new MemoryPresenceStore(services.GetRequiredService<TimeProvider>());
    }

    // As Nchan's: the headers a long-poll resumes with and a publisher sends, and the message id readable by the page
    // (NchanSubscriber.js reads Last-Modified and Etag), plus Hark's gap header and the bearer header of keys and tokens.
    private static void ConfigureNchanCors(CorsPolicyBuilder policy, IList<string> origins)
    {
        AllowOrigins(policy, origins);
        policy.WithMethods("GET", "POST", "PUT", "DELETE")
            .WithHeaders("If-None-Match", "If-Modified-Since", "Content-Type", "Cache-Control", NchanPublishEndpoint.EventHeader, "Last-Event-ID", "Etag", "Authorization")
            .WithExposedHeaders("Last-Modified", "Etag", "Content-Type", NchanGaps.Header)
            .SetPreflightMaxAge(TimeSpan.FromHours(1));
    }

    private static void AllowOrigins(CorsPolicyBuilder policy, IList<string> origins)
    {
        if (origins.Contains("*"))
        {
            policy.AllowAnyOrigin();
        }
        else
        {
            policy.WithOrigins([.. origins]);
        }
    }

    private static void ConfigureCors(CorsPolicyBuilder policy, IList<string> origins)
    {
        AllowOrigins(policy, origins);
        policy.WithMethods("GET", "POST", "DELETE")
            .WithHeaders("Authorization", "Content-Type", "Last-Event-ID", PublishEndpoint.EventHeader, PublishEndpoint.VersionHeader, "Cache-Control",
                SubscriberCredentials.GrantHeader)
            .WithExposedHeaders(SubscriberCredentials.GrantHeader)
            .SetPreflightMaxAge(TimeSpan.FromHours(1));
    }
}
