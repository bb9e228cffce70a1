using Hark.AspNetCore;
using Hark.AspNetCore.Internal;
using Hark.AspNetCore.Internal.Presence;
using Hark.AspNetCore.Internal.Admin;
using Hark.AspNetCore.Internal.WebSockets;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps Hark's HTTP endpoints.</summary>
public static partial class HarkEndpointRouteBuilderExtensions
{
    /// <summary>The subscribe endpoint's name, by which the direct path finds its metadata.</summary>
    internal const string SubscribeEndpointName = "HarkSubscribe";

    /// <summary>Maps Hark's endpoints at the root: <c>/sub</c>, <c>/pub</c>, <c>/metrics</c>, <c>/healthz</c>, the dashboard at <c>/admin</c>, and the browser client at <c>/hark.js</c>.</summary>
    public static RouteGroupBuilder MapHark(this IEndpointRouteBuilder endpoints) => endpoints.MapHark("");

    /// <summary>Maps Hark's endpoints under <paramref name="prefix"/> (such as <c>/push</c>). Chain <c>.RequireAuthorization()</c> and the like on the result.</summary>
    public static RouteGroupBuilder MapHark(this IEndpointRouteBuilder endpoints, string prefix)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        var group = endpoints.MapGroup(prefix);
        var subscribe = services.GetRequiredService<SubscribeEndpoint>();
        var publish = services.GetRequiredService<PublishEndpoint>();
        var ask = services.GetRequiredService<AskEndpoint>();

        var metrics = services.GetRequiredService<HarkMetrics>();
        var log = services.GetRequiredService<ILoggerFactory>().CreateLogger("Hark.Refusals");

        group.MapGet("/sub/{channels}", EngineRefusalsAsProblems(subscribe.HandleAsync, metrics, log)).WithName(SubscribeEndpointName);
        group.MapPost("/pub/{channel}", EngineRefusalsAsProblems(publish.PublishAsync, metrics, log)).WithName("HarkPublish");
        group.MapPost("/pub", EngineRefusalsAsProblems(publish.PublishBatchAsync, metrics, log)).WithName("HarkPublishBatch");
        group.MapGet("/pub/{channel}", EngineRefusalsAsProblems(publish.InfoAsync, metrics, log)).WithName("HarkChannelInfo");
        group.MapDelete("/pub/{channel}", EngineRefusalsAsProblems(publish.DeleteAsync, metrics, log)).WithName("HarkDeleteChannel");
        group.MapGet("/pub/{channel}/presence", EngineRefusalsAsProblems(services.GetRequiredService<PresenceEndpoint>().HandleAsync, metrics, log))
            .WithName("HarkPresence");
        group.MapPost("/ask/{channel}", EngineRefusalsAsProblems(ask.AskAsync, metrics, log)).WithName("HarkAsk");
        group.MapPost("/reply/{token}", EngineRefusalsAsProblems(ask.ReplyAsync, metrics, log)).WithName("HarkReply");
        var settings = services.GetRequiredService<IOptions<HarkOptions>>().Value;
        if (settings.WebSocket.Enabled)
        {
            // The framework's WebSockets middleware, for this endpoint alone: the host need not call UseWebSockets(), and one
            // that does keeps its own (the accept below sets every option Hark needs). GET is HTTP/1.1's upgrade, CONNECT
            // HTTP/2's (RFC 8441).
            var socket = endpoints.CreateApplicationBuilder();
            socket.UseWebSockets();
            socket.Run(services.GetRequiredService<WebSocketEndpoint>().HandleAsync);
            group.MapMethods("/ws", [HttpMethods.Get, HttpMethods.Connect], EngineRefusalsAsProblems(socket.Build(), metrics, log)).WithName("HarkWebSocket");
        }
        // OpenTelemetry's Prometheus exporter (text format, or OpenMetrics when the scraper asks for it).
        group.MapPrometheusScrapingEndpoint("/metrics").WithName("HarkMetrics");
        group.MapMethods("/hark.js", [HttpMethods.Get, HttpMethods.Head], ClientFile.Script.ServeAsync).WithName("HarkClientScript");
        group.MapMethods("/hark.d.ts", [HttpMethods.Get, HttpMethods.Head], ClientFile.Declarations.ServeAsync).WithName("HarkClientTypes");
        if (settings.Admin.Enabled)
        {
            AdminEndpoints.Map(group, services, next => EngineRefusalsAsProblems(next, metrics, log));
        }
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
    // with Retry-After. A stream already under way just ends, and its client resumes from its last cursor. The
    // client reads a short detail; the store's own exception goes to the log (Debug: an outage refuses many requests).
    private static RequestDelegate EngineRefusalsAsProblems(RequestDelegate next, HarkMetrics metrics, ILogger log) => async context =>
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
            Refused(log, context.Request.Method, context.Request.Path, e.InnerException ?? e);
        }
        if (!context.Response.HasStarted)
        {
            await problem.WriteAsync(context, metrics);
        }
    };

    [LoggerMessage(1, LogLevel.Debug, "Refused {Method} {Path}: the store or a limit said no.", EventName = "Refused")]
    private static partial void Refused(ILogger logger, string method, PathString path, Exception exception);
}
