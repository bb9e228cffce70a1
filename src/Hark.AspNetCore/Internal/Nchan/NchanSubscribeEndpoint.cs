using Hark.AspNetCore.Internal.Auth;
using Hark.AspNetCore.Internal.Transports;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hark.AspNetCore.Internal.Nchan;

/// <summary>
/// <c>GET {prefix}/sub/{channel}</c>, as NchanSubscriber.js and Nchan's own clients subscribe: a WebSocket upgrade
/// (plain, or <c>ws+meta.nchan</c>), an EventSource (<c>Accept: text/event-stream</c>), or else a long-poll (one message
/// an answer, several as <c>multipart/mixed</c> when the client accepts it). Each is parsed here into a
/// <see cref="SubscribeRequest"/>, checked by <see cref="SubscriberGate"/> and run by <see cref="SubscribePipeline"/>,
/// as at Hark's own <c>/sub</c>; only the message ids and the framing are Nchan's.
/// </summary>
internal sealed class NchanSubscribeEndpoint(
    SubscribePipeline pipeline, SubscriberGate gate, HarkMetrics metrics, IOptions<HarkOptions> options, StreamTransport stream,
    NchanIds ids, NchanLongPoll longPoll, NchanSocket socket, ILogger<NchanSubscribeEndpoint> logger)
{
    public async Task HandleAsync(HttpContext context)
    {
        var settings = options.Value;
        var channel = context.GetRouteValue("channel") as string ?? "";
        if (!ChannelName.IsValid(channel))
        {
            // A comma is not a name's: Nchan's multiplexed channels are not part of this door.
            await Problem.InvalidChannel(channel).WriteAsync(context, metrics);
            return;
        }
        var request = context.Request;
        var webSocket = context.WebSockets.IsWebSocketRequest;
        var accept = request.Headers.Accept.ToString();
        var eventSource = !webSocket && accept.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase);
        var multipart = !webSocket && !eventSource && accept.Contains("multipart/mixed", StringComparison.OrdinalIgnoreCase);
        var query = new QueryReader(request.QueryString.Value);
        var token = query.TryGet("token", out var t) ? t : null;
        var (cursor, badId) = await ResumeAsync(request, channel, context.RequestAborted);
        if (badId is not null)
        {
            await badId.WriteAsync(context, metrics);
            return;
        }
        NchanStart.TryParse(settings.Nchan.SubscriberFirstMessage, out var start);
        // Nchan's long-poll answers one message at a time; a multipart/mixed one, and the streams, take what there is.
        var max = eventSource || webSocket || multipart ? settings.Poll.DefaultBatch : 1;
        var transport = webSocket ? TransportKind.WebSocket : eventSource ? TransportKind.Sse : TransportKind.LongPoll;
        // The one gate of every door (tokens, the hook); Nchan's clients send no grant back, so the hook, when there is
        // one, is asked per request, as Nchan's authorize request is.
        var authorization = await gate.AuthorizeAsync(SubscriberCredentials.Of(context, token, null, transport.ToString().ToLowerInvariant()),
            [channel], context.RequestAborted);
        if ((authorization.Problem ?? (authorization.Channels.Contains(channel) ? null : new Problem(StatusCodes.Status403Forbidden, "channel-forbidden", "Channel not allowed",
            $"The authorization hook does not allow channel '{channel}'."))) is { } denied)
        {
            await denied.WriteAsync(context, metrics);
            return;
        }
        var subscribe = new SubscribeRequest([channel], cursor, start, settings.Poll.DefaultTimeout, max, transport, false, null, token);
        var address = RequestLimits.AddressOf(context);
        if (webSocket)
        {
            await socket.HandleAsync(context, subscribe, address);
            return;
        }
        if (eventSource)
        {
            var format = new NchanEventSourceFormat(ids, settings.Streams.ReconnectDelay, channel, logger);
            if (await pipeline.StreamAsync(subscribe, address, positions => stream.HandleAsync(context, format, subscribe, positions), context.RequestAborted) is { } refused)
            {
                await refused.WriteAsync(context, metrics);
            }
            return;
        }
        await longPoll.WriteAsync(context, channel, await pipeline.LongPollAsync(subscribe, address, context.RequestAborted), multipart);
    }

    /// <summary>
    /// The message id a subscriber resumes after, as Nchan finds it: <c>If-Modified-Since</c> and <c>If-None-Match</c>
    /// (a long-poll's previous answer), else the first of <c>Last-Event-ID</c> and <c>?last_event_id=</c>, else an
    /// <c>Etag</c> request header (NchanSubscriber.js sends the id it was started with there). The Hark cursor it names,
    /// null when none was given; a problem when what was given is not an id.
    /// </summary>
    private async ValueTask<(string? Cursor, Problem? Problem)> ResumeAsync(HttpRequest request, string channel, CancellationToken cancellationToken)
    {
        var headers = request.Headers;
        var since = headers.IfModifiedSince.ToString();
        var match = headers.IfNoneMatch.ToString();
        NchanMessageId id;
        if (since.Length > 0 || match.Length > 0)
        {
            // Without If-Modified-Since the whole id is in the Etag (nchan_subscriber_compound_etag_message_id).
            var parsed = since.Length > 0
                ? NchanMessageId.TryParse(since, match.Length > 0 ? match : "0", out id)
                : NchanMessageId.TryParse(match.Trim().Trim('"'), out id);
            if (!parsed)
            {
                return (null, BadId(since.Length > 0 ? $"{since}' and '{match}" : match));
            }
        }
        else
        {
            var query = new QueryReader(request.QueryString.Value);
            var text = headers["Last-Event-ID"].ToString() is { Length: > 0 } header ? header
                : query.TryGet("last_event_id", out var arg) && arg.Length > 0 ? arg
                : headers.ETag.ToString();
            if (text.Length == 0)
            {
                return (null, null);
            }
            if (!NchanMessageId.TryParse(text.Trim().Trim('"'), out id))
            {
                return (null, BadId(text));
            }
        }
        return (await ids.CursorAsync(channel, id, cancellationToken), null);
    }

    private static Problem BadId(string given) => Problem.BadRequest("invalid-message-id", "Invalid message id",
        $"'{Problem.Shorten(given)}' is not a message id: resume with the Last-Modified and Etag (or the id:) this server sent, or leave them out to start at Hark:Nchan:SubscriberFirstMessage.");
}
