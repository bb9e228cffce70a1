using Hark.AspNetCore.Internal.Transports;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Hark.AspNetCore.Internal;

/// <summary><c>GET /sub/{channels}</c>: validates, resolves the cursor, and hands over to the chosen transport.</summary>
internal sealed class SubscribeEndpoint(
    IHarkEngine engine, HarkMetrics metrics, IOptions<HarkOptions> options, LongPollTransport longPoll, StreamTransport stream)
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
            default:
                await longPoll.HandleAsync(context, request, positions!);
                break;
        }
    }
}
