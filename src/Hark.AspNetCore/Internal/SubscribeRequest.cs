using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Hark.AspNetCore.Internal;

/// <summary>A parsed <c>GET /sub/{channels}</c>: everything but the cursor's meaning, which needs the engine.</summary>
internal sealed record SubscribeRequest(
    IReadOnlyList<string> Channels,
    string? Cursor,
    StartPoint Start,
    TimeSpan Timeout,
    int Max,
    TransportKind Transport,
    bool Envelope,
    string? Origin,
    string? Token)
{
    /// <summary>The grant from an earlier answer, from <c>?grant=</c> (or a socket's subscribe frame).</summary>
    public string? Grant { get; init; }

    /// <summary>The client's id for presence (<c>?client=</c>, or a socket's subscribe frame), when it names one.</summary>
    public string? Client { get; init; }

    /// <summary>The user its credentials named (a token's <c>sub</c>, the hook's <c>user</c>, a grant's), set once authorized.</summary>
    public string? User { get; init; }

    public static Problem? TryParse(HttpRequest request, string channelList, HarkOptions options, out SubscribeRequest parsed) =>
        TryParse(new QueryReader(request.QueryString.Value), request.Headers["Last-Event-ID"].ToString(), request.Headers.Accept.ToString(),
            channelList, options, out parsed);

    /// <summary>
    /// Parses from the subscription's parameters (the raw query string, or a socket's subscribe frame) and the two headers
    /// a subscription reads (each empty when absent).
    /// </summary>
    public static Problem? TryParse<TParameters>(TParameters query, string lastEventId, string accept, string channelList, HarkOptions options,
        out SubscribeRequest parsed)
        where TParameters : ISubscribeParameters
    {
        parsed = null!;
        if (!TryParseChannels(channelList, options.Limits.MaxChannelsPerRequest, out var channels, out var problem))
        {
            return problem;
        }
        if (!TryParseTransport(accept, query, out var transport))
        {
            return Problem.BadRequest("unknown-transport", "Unknown transport",
                $"Transport '{Problem.Shorten(Get(query, "transport"))}' is not one of longpoll, poll, sse, ndjson, iframe.");
        }
        var timeout = options.Poll.DefaultTimeout;
        if (string.Equals(Get(query, "transport"), "poll", StringComparison.OrdinalIgnoreCase))
        {
            timeout = TimeSpan.Zero;
        }
        else if (query.TryGet("timeout", out var timeoutText) && TimeoutParameter.Parse(timeoutText, options.Poll.MaxTimeout, out timeout) is { } badTimeout)
        {
            return badTimeout;
        }
        var max = options.Poll.DefaultBatch;
        if (query.TryGet("max", out var maxText)
            && (!int.TryParse(maxText, NumberStyles.None, CultureInfo.InvariantCulture, out max) || max < 1 || max > options.Poll.MaxBatch))
        {
            return Problem.InvalidParameter("max", $"max is a whole number from 1 to {options.Poll.MaxBatch}.");
        }
        var start = StartPoint.Now;
        if (query.TryGet("last", out var lastText))
        {
            if (!long.TryParse(lastText, NumberStyles.None, CultureInfo.InvariantCulture, out var last))
            {
                return Problem.InvalidParameter("last", "last is a whole number of messages to replay, 0 or more.");
            }
            start = new StartPoint(last);
        }
        // EventSource sends Last-Event-ID when it reconnects to the same URL, so it outranks the
        // cursor the page first put in the query string.
        string? cursor = lastEventId.Length > 0 ? lastEventId : Get(query, "cursor");
        if (string.IsNullOrEmpty(cursor) || cursor == "now")
        {
            cursor = null;
        }
        else if (cursor == "oldest")
        {
            (cursor, start) = (null, StartPoint.Oldest);
        }
        else if (cursor.Length > Hark.Cursor.MaxLength)
        {
            return Problem.InvalidCursor($"A cursor is at most {Hark.Cursor.MaxLength} characters.");
        }
        string? client = null;
        if (query.TryGet("client", out var clientText) && clientText.Length > 0)
        {
            if (!Presence.PresenceTracker.IsValidClient(clientText))
            {
                return Problem.InvalidParameter("client",
                    $"client is 1 to {Presence.PresenceTracker.MaxClientLength} characters of A-Z a-z 0-9 . _ - : @.");
            }
            client = clientText;
        }
        var envelope = query.TryGet("envelope", out var e) && (e == "1" || string.Equals(e, "true", StringComparison.OrdinalIgnoreCase));
        parsed = new SubscribeRequest(channels, cursor, start, timeout, max, transport, envelope, query.TryGet("origin", out var origin) ? origin : null,
            query.TryGet("token", out var token) ? token : null)
        {
            Grant = query.TryGet("grant", out var grant) && grant.Length > 0 ? grant : null,
            Client = client,
        };
        return null;
    }

    private static string Get<TParameters>(TParameters query, string name)
        where TParameters : ISubscribeParameters => query.TryGet(name, out var value) ? value : "";

    internal static bool TryParseChannels(string list, int maxChannels, out IReadOnlyList<string> channels, out Problem? problem)
    {
        channels = [];
        problem = null;
        var names = new List<string>();
        foreach (var name in list.Split(','))
        {
            if (!ChannelName.IsValid(name))
            {
                problem = Problem.InvalidChannel(name);
                return false;
            }
            if (!names.Contains(name, StringComparer.Ordinal))
            {
                names.Add(name);
            }
            if (names.Count > maxChannels)
            {
                problem = Problem.BadRequest("too-many-channels", "Too many channels",
                    $"A subscription names at most {maxChannels} channels.");
                return false;
            }
        }
        channels = names;
        return true;
    }

    private static bool TryParseTransport<TParameters>(string accept, TParameters query, out TransportKind transport)
        where TParameters : ISubscribeParameters
    {
        var named = Get(query, "transport");
        transport = TransportKind.LongPoll;
        switch (named.ToLowerInvariant())
        {
            case "":
                break;
            case "longpoll" or "long-poll" or "poll":
                return true;
            case "sse" or "eventsource":
                transport = TransportKind.Sse;
                return true;
            case "ndjson" or "stream":
                transport = TransportKind.Ndjson;
                return true;
            case "iframe":
                transport = TransportKind.Iframe;
                return true;
            default:
                return false;
        }
        // Plain polls send no Accept or a generic one; only parse it when it could name a stream.
        if (accept.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            transport = TransportKind.Sse;
        }
        else if (accept.Contains("application/x-ndjson", StringComparison.OrdinalIgnoreCase))
        {
            transport = TransportKind.Ndjson;
        }
        return true;
    }
}
