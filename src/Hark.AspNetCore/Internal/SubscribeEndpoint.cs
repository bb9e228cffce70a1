using Hark.AspNetCore.Internal.Auth;
using Hark.AspNetCore.Internal.Transports;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Hark.AspNetCore.Internal;

/// <summary><c>GET /sub/{channels}</c>: parses and authorizes, then runs the subscribe pipeline with the chosen transport.</summary>
internal sealed class SubscribeEndpoint(
    SubscribePipeline pipeline, HarkMetrics metrics, IOptions<HarkOptions> options, SubscriberGate gate,
    LongPollTransport longPoll, StreamTransport stream)
{
    private static readonly NdjsonFormat Ndjson = new();

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
        var authorization = await gate.AuthorizeAsync(SubscriberCredentials.Of(context, request.Token, request.Grant, request.Transport.ToString().ToLowerInvariant()),
            request.Channels, context.RequestAborted);
        if (authorization.Problem is { } denied)
        {
            await denied.WriteAsync(context, metrics);
            return;
        }
        if (!ReferenceEquals(authorization.Channels, request.Channels) || authorization.User is not null)
        {
            // The hook allowed a subset: the subscription is to those. The user it (or the token) named is who presence lists.
            request = request with { Channels = authorization.Channels, User = authorization.User };
        }
        var grant = authorization.IssuedGrant;
        if (grant is not null)
        {
            // Sent back on every re-poll or reconnect, so the hook is asked once per subscription, not once per poll.
            context.Response.Headers[SubscriberCredentials.GrantHeader] = grant;
        }
        var address = RequestLimits.AddressOf(context);
        if (request.Transport == TransportKind.LongPoll)
        {
            await longPoll.WriteAsync(context, await pipeline.LongPollAsync(request, address, context.RequestAborted));
            return;
        }
        IStreamFormat format;
        switch (request.Transport)
        {
            case TransportKind.Sse:
                format = new ServerSentEventsFormat(settings.Streams.ReconnectDelay, request.Envelope);
                break;
            case TransportKind.Ndjson:
                format = Ndjson;
                break;
            default:
                if (OriginPolicy.FrameTarget(context.Request, request.Origin, settings.Cors) is not { } origin)
                {
                    await new Problem(StatusCodes.Status403Forbidden, "origin-not-allowed", "Origin not allowed",
                        "The iframe transport posts messages to ?origin=, which must be this server's own origin or one of Hark:Cors:Origins.").WriteAsync(context, metrics);
                    return;
                }
                format = new IframeFormat(origin);
                break;
        }
        if (await pipeline.StreamAsync(request, address, positions => stream.HandleAsync(context, format, request, positions, grant, authorization.Expires), context.RequestAborted) is { } refused)
        {
            await refused.WriteAsync(context, metrics);
        }
    }
}
