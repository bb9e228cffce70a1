using System.Text;
using Hark.Hub;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Hark.AspNetCore.Internal.Nchan;

/// <summary>
/// <c>{prefix}/pub/{channel}</c>, Nchan's publisher location. <c>POST</c> or <c>PUT</c> publishes the body (its content
/// type, and <c>X-EventSource-Event</c> as the message's event) by the rules of Hark's <c>/pub</c>
/// (<see cref="PublishEndpoint.PublishOneAsync"/>: keys, loopback, limits), answering <c>201</c> when subscribers were
/// there and <c>202</c> when none were, with the channel's info; <c>GET</c> is the info (<c>404</c> for a channel never
/// used); <c>DELETE</c> deletes the channel, answering its subscribers <c>410</c>, and is <c>200</c> with the info it had
/// (<c>404</c> when there was nothing to delete).
/// </summary>
internal sealed class NchanPublishEndpoint(PublishEndpoint publish, FanoutHub hub, NchanIds ids, HarkMetrics metrics)
{
    public const string EventHeader = "X-EventSource-Event";

    public async Task PublishAsync(HttpContext context)
    {
        var channel = Channel(context);
        var (result, problem) = await publish.PublishOneAsync(context, channel, context.Request.Headers[EventHeader].ToString());
        if (problem is not null)
        {
            await problem.WriteAsync(context, metrics);
            return;
        }
        // The subscribers woken by the publish, or, for streams that were between two waits, those waiting now. The message
        // is published: a store that cannot describe the channel now leaves the info to what the publish said.
        ChannelInfo? info;
        try
        {
            info = await hub.DescribeAsync(channel, context.RequestAborted);
        }
        catch (Exception e) when (Problem.ForEngineRefusal(e) is not null)
        {
            info = null;
        }
        var subscribers = Math.Max(result!.Subscribers, info?.Subscribers ?? 0);
        var id = IdOf(result.Cursor);
        var body = new NchanChannelInfo(info?.Messages ?? 1, Requested(subscribers), subscribers, id);
        await WriteAsync(context, subscribers > 0 ? StatusCodes.Status201Created : StatusCodes.Status202Accepted, body);
    }

    public async Task InfoAsync(HttpContext context)
    {
        var channel = Channel(context);
        if (publish.Admit(context, channel) is { } denied)
        {
            await denied.WriteAsync(context, metrics);
            return;
        }
        if (await DescribeAsync(channel, context.RequestAborted) is not { } info)
        {
            await NotFoundAsync(context);
            return;
        }
        await WriteAsync(context, StatusCodes.Status200OK, info);
    }

    public async Task DeleteAsync(HttpContext context)
    {
        var channel = Channel(context);
        if (publish.Admit(context, channel) is { } denied)
        {
            await denied.WriteAsync(context, metrics);
            return;
        }
        var info = await DescribeAsync(channel, context.RequestAborted);
        if (!await hub.DeleteAsync(channel, context.RequestAborted) || info is null)
        {
            await NotFoundAsync(context);
            return;
        }
        await WriteAsync(context, StatusCodes.Status200OK, info);
    }

    private async ValueTask<NchanChannelInfo?> DescribeAsync(string channel, CancellationToken cancellationToken)
    {
        if (await hub.DescribeAsync(channel, cancellationToken) is not { } info)
        {
            return null;
        }
        return new NchanChannelInfo(info.Messages, Requested(info.Subscribers), info.Subscribers, IdOf(info.Cursor));
    }

    private string IdOf(string cursor) => Cursor.TryParse(cursor, out var epoch, out var seq) ? ids.Of(epoch, seq)?.ToString() ?? "" : "";

    // Hark does not keep when a subscriber last asked: 0 (now) while some wait, else -1 (Nchan's "never").
    private static long Requested(int subscribers) => subscribers > 0 ? 0 : -1;

    private static string Channel(HttpContext context) => context.GetRouteValue("channel") as string ?? "";

    private static Task WriteAsync(HttpContext context, int status, NchanChannelInfo info)
    {
        var (type, body) = info.Format(context.Request.Headers.Accept.ToString());
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = type;
        response.Headers.CacheControl = "no-store";
        var bytes = Encoding.UTF8.GetBytes(body);
        response.ContentLength = bytes.Length;
        return response.Body.WriteAsync(bytes, context.RequestAborted).AsTask();
    }

    private Task NotFoundAsync(HttpContext context)
    {
        // Nchan answers 404 with no body; the problem body here is extra, and its status the same.
        var channel = Channel(context);
        return Problem.ChannelNotFound(channel).WriteAsync(context, metrics);
    }
}
