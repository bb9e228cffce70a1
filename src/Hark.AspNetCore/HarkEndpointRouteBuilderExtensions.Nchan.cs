using Hark.AspNetCore;
using Hark.AspNetCore.Internal;
using Hark.AspNetCore.Internal.Nchan;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

public static partial class HarkEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the Nchan-compatible door under <paramref name="prefix"/> (such as <c>/nchan</c>): <c>{prefix}/sub/{channel}</c>
    /// for NchanSubscriber.js (long-poll, EventSource, WebSocket with <c>ws+meta.nchan</c>) and <c>{prefix}/pub/{channel}</c>
    /// for Nchan's publishers, on the same channels, history, keys and limits as <see cref="MapHark(IEndpointRouteBuilder, string)"/>.
    /// Needs <c>AddHark()</c>. Chain <c>.RequireAuthorization()</c> and the like on the result.
    /// </summary>
    public static RouteGroupBuilder MapNchanCompat(this IEndpointRouteBuilder endpoints, string prefix)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        var services = endpoints.ServiceProvider;
        var group = endpoints.MapGroup(prefix);
        var metrics = services.GetRequiredService<HarkMetrics>();
        var log = services.GetRequiredService<ILoggerFactory>().CreateLogger("Hark.Refusals");
        var publish = services.GetRequiredService<NchanPublishEndpoint>();

        // Every subscriber request goes through the WebSockets middleware, for this endpoint alone: one URL serves the
        // upgrade, EventSource and long-poll, as Nchan's location does.
        var subscribe = endpoints.CreateApplicationBuilder();
        subscribe.UseWebSockets();
        subscribe.Run(services.GetRequiredService<NchanSubscribeEndpoint>().HandleAsync);
        group.MapMethods("/sub/{channel}", [HttpMethods.Get, HttpMethods.Connect], EngineRefusalsAsProblems(subscribe.Build(), metrics, log)).WithName("NchanSubscribe");
        group.MapMethods("/pub/{channel}", [HttpMethods.Post, HttpMethods.Put], EngineRefusalsAsProblems(publish.PublishAsync, metrics, log)).WithName("NchanPublish");
        group.MapGet("/pub/{channel}", EngineRefusalsAsProblems(publish.InfoAsync, metrics, log)).WithName("NchanChannelInfo");
        group.MapDelete("/pub/{channel}", EngineRefusalsAsProblems(publish.DeleteAsync, metrics, log)).WithName("NchanDeleteChannel");
        if (services.GetRequiredService<IOptions<HarkOptions>>().Value.Cors.Origins.Count > 0)
        {
            group.RequireCors(HarkServiceCollectionExtensions.NchanCorsPolicyName);
        }
        return group;
    }
}
