using Hark.AspNetCore;
using Hark.AspNetCore.Internal;
using Hark.AspNetCore.Internal.WebSockets;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps Hark's HTTP endpoints.</summary>
public static class HarkEndpointRouteBuilderExtensions
{
    /// <summary>The subscribe endpoint's name, by which the direct path finds its metadata.</summary>
    internal const string SubscribeEndpointName = "HarkSubscribe";

    /// <summary>Maps Hark's endpoints at the root: <c>/sub</c>, <c>/pub</c>, <c>/metrics</c>, <c>/healthz</c>, and the browser client at <c>/hark.js</c>.</summary>
    public static RouteGroupBuilder MapHark(this IEndpointRouteBuilder endpoints) => endpoints.MapHark("");

    /// <summary>Maps Hark's endpoints under <paramref name="prefix"/> (such as <c>/push</c>). Chain <c>.RequireAuthorization()</c> and the like on the result.</summary>
    public static RouteGroupBuilder MapHark(this IEndpointRouteBuilder endpoints, string prefix)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        var group = endpoints.MapGroup(prefix);
        var subscribe = services.GetRequiredService<SubscribeEndpoint>();
        var publish = services.GetRequiredService<PublishEndpoint>();
        var exporter = services.GetRequiredService<PrometheusExporter>();
        var ask = services.GetRequiredService<AskEndpoint>();

        var metrics = services.GetRequiredService<HarkMetrics>();

        group.MapGet("/sub/{channels}", EngineRefusalsAsProblems(subscribe.HandleAsync, metrics)).WithName(SubscribeEndpointName);
        group.MapPost("/pub/{channel}", EngineRefusalsAsProblems(publish.PublishAsync, metrics)).WithName("HarkPublish");
        group.MapPost("/pub", EngineRefusalsAsProblems(publish.PublishBatchAsync, metrics)).WithName("HarkPublishBatch");
        group.MapGet("/pub/{channel}", EngineRefusalsAsProblems(publish.InfoAsync, metrics)).WithName("HarkChannelInfo");
        group.MapDelete("/pub/{channel}", EngineRefusalsAsProblems(publish.DeleteAsync, metrics)).WithName("HarkDeleteChannel");
        group.MapPost("/ask/{channel}", EngineRefusalsAsProblems(ask.AskAsync, metrics)).WithName("HarkAsk");
        group.MapPost("/reply/{token}", EngineRefusalsAsProblems(ask.ReplyAsync, metrics)).WithName("HarkReply");
        var settings = services.GetRequiredService<IOptions<HarkOptions>>().Value;
        if (settings.WebSocket.Enabled)
        {
            // The framework's WebSockets middleware, for this endpoint alone: the host need not call UseWebSockets(), and one
            // that does keeps its own (the accept below sets every option Hark needs). GET is HTTP/1.1's upgrade, CONNECT
            // HTTP/2's (RFC 8441).
            var socket = endpoints.CreateApplicationBuilder();
            socket.UseWebSockets();
            socket.Run(services.GetRequiredService<WebSocketEndpoint>().HandleAsync);
            group.MapMethods("/ws", [HttpMethods.Get, HttpMethods.Connect], EngineRefusalsAsProblems(socket.Build(), metrics)).WithName("HarkWebSocket");
        }
        group.MapGet("/metrics", context =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            context.Response.Headers.CacheControl = "no-store";
            return context.Response.WriteAsync(exporter.Scrape(), context.RequestAborted);
        }).WithName("HarkMetrics");
        group.MapMethods("/hark.js", [HttpMethods.Get, HttpMethods.Head], ClientFile.Script.ServeAsync).WithName("HarkClientScript");
        group.MapMethods("/hark.d.ts", [HttpMethods.Get, HttpMethods.Head], ClientFile.Declarations.ServeAsync).WithName("HarkClientTypes");
        group.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        group.MapHealthChecks("/healthz/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });

        if (settings.Cors.Origins.Count > 0)
        {
            group.RequireCors(HarkServiceCollectionExtensions.CorsPolicyName);
        }
        return group;
    }

    // The engine's refusals become problems here, for every endpoint, never a 500: a store that is down
    // (HarkUnavailableException) is 503 unavailable, a server limit (HarkLimitException) 503 limit-reached, both
    // with Retry-After. A stream already under way just ends, and its client resumes from its last cursor.
    private static RequestDelegate EngineRefusalsAsProblems(RequestDelegate next, HarkMetrics metrics) => async context =>
    {
        Problem problem;
        try
        {
            await next(context);
            return;
        }
        catch (Exception e) when (Problem.ForEngineRefusal(e) is { } refusal)
        {
            problem = refusal;
        }
        if (!context.Response.HasStarted)
        {
            await problem.WriteAsync(context, metrics);
        }
    };
}
