using Hark.Hub;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hark.AspNetCore.Internal.WebSockets;

/// <summary>
/// <c>GET /ws</c>: the WebSocket front door. What decides whether a socket opens at all is answered in HTTP, before the
/// upgrade (not a WebSocket request, an Origin that is not allowed, too many held requests from the address); the rest
/// (the query's subscription and every command) is answered on the socket, where a browser can read it. Each
/// subscription runs the steps of every front door: <see cref="SubscribeRequest"/>, <see cref="SubscriberGate"/>, then
/// <see cref="SubscribePipeline.StreamAsync"/> (limits, cursor, release) around a loop on <see cref="FanoutHub.HoldAsync"/>.
/// </summary>
internal sealed class WebSocketEndpoint(
    FanoutHub hub, SubscribePipeline pipeline, SubscriberGate gate, RequestLimits limits, HarkMetrics metrics, PublishEndpoint publish, IOptions<HarkOptions> options,
    IHostApplicationLifetime lifetime, TimeProvider time, ILogger<WebSocketSession> logger)
{
    /// <summary>The transport's name in metrics.</summary>
    public const string Name = "websocket";

    public FanoutHub Hub => hub;

    public SubscribePipeline Pipeline => pipeline;

    public SubscriberGate Gate => gate;

    public HarkMetrics Metrics => metrics;

    public PublishEndpoint Publish => publish;

    public HarkOptions Options => options.Value;

    public TimeProvider Time => time;

    public ILogger Logger => logger;

    /// <summary>Fires when the server begins to stop: every socket then closes with 1001 after its last messages.</summary>
    public CancellationToken Stopping => lifetime.ApplicationStopping;

    public async Task HandleAsync(HttpContext context)
    {
        var settings = options.Value;
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.Headers.Upgrade = "websocket";
            await new Problem(StatusCodes.Status426UpgradeRequired, "upgrade-required", "WebSocket upgrade required",
                "This endpoint speaks WebSocket only: open it with new WebSocket(url), or subscribe over HTTP at /sub/{channels}.").WriteAsync(context, metrics);
            return;
        }
        var origin = context.Request.Headers.Origin.ToString();
        if (!OriginPolicy.MayConnect(context.Request, origin, settings.Cors))
        {
            await new Problem(StatusCodes.Status403Forbidden, "origin-not-allowed", "Origin not allowed",
                $"Pages of '{Problem.Shorten(origin)}' may not open a socket here: only the server's own origin and those in Hark:Cors:Origins may.").WriteAsync(context, metrics);
            return;
        }
        var address = RequestLimits.AddressOf(context);
        if (!limits.TryHold(address))
        {
            await RequestLimits.TooManyHeld(limits.MaxHeld).WriteAsync(context, metrics);
            return;
        }
        try
        {
            // The same parameters as /sub, with the channels in the query: a plain new WebSocket(url) subscribes.
            var query = new QueryReader(context.Request.QueryString.Value);
            SubscribeRequest? initial = null;
            // initial stays null without channels: then refused does too, and the socket starts with no subscription.
            Problem? refused = null;
            if (query.TryGet("channels", out var channels))
            {
                refused = SubscribeRequest.TryParse(query, "", "", channels, settings, out initial);
            }
            var socket = settings.WebSocket;
            using var webSocket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
            {
                KeepAliveInterval = socket.KeepAliveInterval,
                KeepAliveTimeout = socket.KeepAliveTimeout,
                DangerousEnableCompression = socket.Compression,
                // No context kept between messages: each frame is compressed alone, so a socket keeps no 32 KiB window.
                DisableServerContextTakeover = true,
            });
            metrics.HoldStarted(Name);
            try
            {
                // One token for the socket, found as HTTP finds it: the bearer header, else ?token=.
                var token = SubscriberGate.PresentedToken(context.Request, query.TryGet("token", out var t) ? t : null);
                var session = new WebSocketSession(webSocket, context, this, address, token);
                await session.RunAsync(refused is null && initial is not null ? initial with { Token = null } : null, refused);
            }
            finally
            {
                metrics.HoldEnded(Name);
            }
        }
        finally
        {
            limits.Release(address);
        }
    }
}
