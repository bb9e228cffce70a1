using Hark.AspNetCore.Internal.Transports;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Hark.AspNetCore.Internal;

/// <summary><c>GET /sub/{channels}</c>: validates, resolves the cursor, and hands over to the chosen transport.</summary>
internal sealed class SubscribeEndpoint(
    IHarkEngine engine, HarkMetrics metrics, IOptions<HarkOptions> options, SubscriberGate gate, RequestLimits limits,
    LongPollTransport longPoll, StreamTransport stream)
{
    private static readonly NdjsonFormat Ndjson = new();

    /// <summary>The origin the frame may post to: the server's own by default, or a configured CORS origin.</summary>
    private static string? IframeOrigin(HttpContext context, string? requested, HarkOptions settings)
    {
        var own = $"{context.Request.Scheme}://{context.Request.Host}";
        if (string.IsNullOrEmpty(requested) || string.Equals(requested, own, StringComparison.OrdinalIgnoreCase))
        {
            return own;
        }
        return settings.Cors.Origins.Contains(requested, StringComparer.OrdinalIgnoreCase)
            && Uri.TryCreate(requested, UriKind.Absolute, out var uri) && uri.AbsolutePath == "/" ? requested.TrimEnd('/') : null;
    }

    public async Task HandleAsync(HttpContext context)
    {
        var settings = options.Value;
        var channels = context.GetRouteValue("channels") as string ?? "";
        var problem = SubscribeRequest.TryParse(context.Request, channels, settings, out var request);
        if (problem is not null)
        {
            await problem.WriteAsync(context, metrics);
            return;
        }
        if (await gate.CheckAsync(context, request.Channels, request.Token) is { } denied)
        {
            await denied.WriteAsync(context, metrics);
            return;
        }
        var address = RequestLimits.AddressOf(context);
        if (limits.AdmitAndHold(request, address) is { } refused)
        {
            await refused.WriteAsync(context, metrics);
            return;
        }
        try
        {
            await ServeAsync(context, settings, request);
        }
        finally
        {
            limits.Release(address);
        }
    }

    private async Task ServeAsync(HttpContext context, HarkOptions settings, SubscribeRequest request)
    {
        var (positions, cursorProblem) = await CursorResolver.ResolveAsync(request, engine, context.RequestAborted);
        if (cursorProblem is not null)
        {
            await cursorProblem.WriteAsync(context, metrics);
            return;
        }
        switch (request.Transport)
        {
            case TransportKind.Sse:
                await stream.HandleAsync(context, new ServerSentEventsFormat(settings.Streams.ReconnectDelay, request.Envelope), request, positions!);
                break;
            case TransportKind.Ndjson:
                await stream.HandleAsync(context, Ndjson, request, positions!);
                break;
            case TransportKind.Iframe:
                if (IframeOrigin(context, request.Origin, settings) is not { } origin)
                {
                    await new Problem(StatusCodes.Status403Forbidden, "origin-not-allowed", "Origin not allowed",
                        "The iframe transport posts messages to ?origin=, which must be this server's own origin or one of Hark:Cors:Origins.").WriteAsync(context, metrics);
                    return;
                }
                await stream.HandleAsync(context, new Transports.IframeFormat(origin), request, positions!);
                break;
            default:
                await longPoll.HandleAsync(context, request, positions!);
                break;
        }
    }
}
