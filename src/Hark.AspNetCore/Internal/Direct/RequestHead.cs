using System.Text;

namespace Hark.AspNetCore.Internal.Direct;

/// <summary>
/// The head of an HTTP/1.1 request that may be a plain long-poll: <c>GET {prefix}/sub/{channels}?{query}</c>
/// whose every header field is on the allow-list of <see cref="HeadRules"/>, so no body, no credentials and
/// nothing that asks for more than a JSON answer. Parsing is strict and says no to anything unusual; Kestrel's
/// own parser then reads the same bytes and answers as it would.
/// </summary>
/// <param name="Channels">The channel list as the path gives it.</param>
/// <param name="Query">The query string, with its <c>?</c>, or empty.</param>
/// <param name="Accept">The <c>Accept</c> field, or empty.</param>
/// <param name="LastEventId">The <c>Last-Event-ID</c> field, or empty.</param>
/// <param name="ForwardedFor">The <c>X-Forwarded-For</c> value when the forwarded-headers options apply it, else null.</param>
/// <param name="ForwardedProto">The <c>X-Forwarded-Proto</c> value read beside it, else null.</param>
/// <param name="TraceContext">Whether the request carries trace context (<c>traceparent</c> and the like).</param>
internal sealed record RequestHead(string Channels, string Query, string Accept, string LastEventId,
    string? ForwardedFor, string? ForwardedProto, bool TraceContext)
{
    private static ReadOnlySpan<byte> Get => "GET "u8;

    private static ReadOnlySpan<byte> Version => " HTTP/1.1\r\n"u8;

    private static ReadOnlySpan<byte> End => "\r\n\r\n"u8;

    /// <summary>
    /// Reads a complete head from the start of <paramref name="data"/>; null when the request is not one
    /// this path answers or the head is not all there yet (either way, Kestrel takes the connection).
    /// </summary>
    public static RequestHead? TryParse(ReadOnlySpan<byte> data, HeadRules rules, out int length)
    {
        length = 0;
        var end = data.IndexOf(End);
        if (end < 0 || !data.StartsWith(Get) || end + End.Length > rules.MaxLength)
        {
            return null;
        }
        length = end + End.Length;
        var head = data[..(end + 2)];
        var lineEnd = head.IndexOf(Version);
        if (lineEnd < 0 || lineEnd + Version.Length > rules.MaxRequestLine)
        {
            return null;
        }
        var subscribePrefix = rules.SubscribePrefix;
        var target = head[Get.Length..lineEnd];
        if (!IsPlainTarget(target) || !StartsWithAscii(target, subscribePrefix))
        {
            return null;
        }
        var afterPrefix = target[subscribePrefix.Length..];
        var question = afterPrefix.IndexOf((byte)'?');
        var channels = question < 0 ? afterPrefix : afterPrefix[..question];
        // Kestrel would remove a "." or ".." segment and route elsewhere.
        if (channels.IsEmpty || channels.IndexOfAny((byte)'/', (byte)'%') >= 0 || channels.SequenceEqual("."u8) || channels.SequenceEqual(".."u8))
        {
            return null;
        }
        var query = question < 0 ? [] : afterPrefix[question..];

        string accept = "", lastEventId = "";
        string? forwardedFor = null, forwardedProto = null;
        bool host = false, seenAccept = false, seenLastEventId = false, traceContext = false;
        var fields = 0;
        var lines = head[(lineEnd + Version.Length)..];
        while (!lines.IsEmpty)
        {
            if (++fields > rules.MaxFields)
            {
                return null;
            }
            var eol = lines.IndexOf("\r\n"u8);
            var line = lines[..eol];
            lines = lines[(eol + 2)..];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0 || !IsToken(line[..colon]) || !IsFieldValue(line[(colon + 1)..]))
            {
                return null;
            }
            var value = line[(colon + 1)..].Trim(" \t"u8);
            switch (rules.Classify(line[..colon]))
            {
                case HeadField.Host when !host && rules.AllowsHost(value):
                    host = true;
                    break;
                case HeadField.Accept when !seenAccept:
                    (seenAccept, accept) = (true, Encoding.ASCII.GetString(value));
                    break;
                case HeadField.LastEventId when !seenLastEventId:
                    (seenLastEventId, lastEventId) = (true, Encoding.ASCII.GetString(value));
                    break;
                case HeadField.Connection when Ascii.EqualsIgnoreCase(value, "keep-alive"u8):
                    // Anything else ("close", "upgrade") changes how the connection goes on.
                    break;
                case HeadField.ForwardedFor when forwardedFor is null:
                    forwardedFor = Encoding.ASCII.GetString(value);
                    break;
                case HeadField.ForwardedProto when forwardedProto is null:
                    forwardedProto = Encoding.ASCII.GetString(value);
                    break;
                case HeadField.TraceContext:
                    traceContext = true;
                    break;
                case HeadField.Ignored:
                    break;
                default:
                    // A field off the allow-list (a body, credentials, an origin to answer for, an upgrade, one
                    // nobody has judged yet), a host the server does not serve, or a field given twice that the
                    // framework would combine.
                    return null;
            }
        }
        if (!host)
        {
            return null;
        }
        return new RequestHead(Encoding.ASCII.GetString(channels), Encoding.ASCII.GetString(query), accept, lastEventId,
            forwardedFor, forwardedProto, traceContext);
    }

    private static bool StartsWithAscii(ReadOnlySpan<byte> target, string prefix)
    {
        if (target.Length <= prefix.Length)
        {
            return false;
        }
        for (var i = 0; i < prefix.Length; i++)
        {
            if (target[i] != prefix[i])
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Origin-form with visible ASCII only (no spaces, no fragment).</summary>
    private static bool IsPlainTarget(ReadOnlySpan<byte> target) =>
        !target.IsEmpty && target[0] == '/' && !target.ContainsAnyExceptInRange((byte)0x21, (byte)0x7E) && !target.Contains((byte)'#');

    private static bool IsToken(ReadOnlySpan<byte> name)
    {
        foreach (var b in name)
        {
            if (b <= 0x20 || b >= 0x7F || "\"(),/:;<=>?@[\\]{}"u8.Contains(b))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsFieldValue(ReadOnlySpan<byte> value)
    {
        foreach (var b in value)
        {
            if ((b < 0x20 && b != '\t') || b >= 0x7F)
            {
                return false;
            }
        }
        return true;
    }
}
