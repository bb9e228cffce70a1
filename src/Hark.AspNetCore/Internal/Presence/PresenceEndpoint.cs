using System.Globalization;
using Hark.AspNetCore.Internal.Auth;
using Hark.Hub;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Hark.AspNetCore.Internal.Presence;

/// <summary>
/// <c>GET /pub/{channel}/presence?limit=</c>: who is on a channel now, as the shared store knows it on every node, with
/// the cursor of its companion channel read just before, so a client that lists and then follows the joins and leaves
/// after that cursor misses none. Asked with the publisher key, or by a subscriber allowed to read the channel.
/// </summary>
internal sealed class PresenceEndpoint(PresenceTracker presence, PublisherGate publishers, SubscriberGate subscribers, FanoutHub hub, HarkMetrics metrics)
{
    public async Task HandleAsync(HttpContext context)
    {
        var channel = context.GetRouteValue("channel") as string ?? "";
        if (!ChannelName.IsValid(channel))
        {
            await Problem.InvalidChannel(channel).WriteAsync(context, metrics);
            return;
        }
        if (await AuthorizeAsync(context, channel) is { } denied)
        {
            await denied.WriteAsync(context, metrics);
            return;
        }
        if (!presence.Tracks(channel))
        {
            await PresenceTracker.NotTracked(channel).WriteAsync(context, metrics);
            return;
        }
        var limit = presence.MaxListed;
        var limitText = context.Request.Query["limit"].ToString();
        if (limitText.Length > 0 && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit > presence.MaxListed))
        {
            await Problem.InvalidParameter("limit", $"limit is a whole number from 0 to {presence.MaxListed}.").WriteAsync(context, metrics);
            return;
        }
        // The cursor first: a join or leave after it is in the companion's history, one before it in the list.
        var positions = await hub.StartAsync([PresenceTracker.CompanionOf(channel)], StartPoint.Now, context.RequestAborted);
        var snapshot = await presence.ReadAsync(channel, limit, context.RequestAborted);
        var body = new PresenceBody(channel, snapshot.Count,
            [.. snapshot.Clients.Select(c => new PresentClientBody(c.Client, c.User, c.Transport, MessageEncoder.FormatTime(c.Since)))], Cursor.Format(positions));
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsJsonAsync(body, HarkJsonContext.Default.PresenceBody, "application/json; charset=utf-8", context.RequestAborted);
    }

    /// <summary>The publisher's key (or loopback rule) admits; else a subscriber's credentials for the channel do.</summary>
    private async ValueTask<Problem?> AuthorizeAsync(HttpContext context, string channel)
    {
        if (publishers.Check(context, channel) is not { } publisher)
        {
            return null;
        }
        var query = context.Request.Query;
        var token = query["token"].ToString();
        var grant = query["grant"].ToString();
        var who = SubscriberCredentials.Of(context, token.Length > 0 ? token : null, grant.Length > 0 ? grant : null, "presence");
        var subscriber = await subscribers.AuthorizeAsync(who, [channel], context.RequestAborted);
        if (subscriber.Problem is null)
        {
            return null;
        }
        // Whoever came with a subscriber's credentials is told about those; anyone else about the publisher's key.
        return who.Token is not null || who.Grant is not null ? subscriber.Problem : publisher;
    }
}
