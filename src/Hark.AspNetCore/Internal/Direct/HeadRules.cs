using System.Collections.Frozen;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Hark.AspNetCore.Internal.Direct;

/// <summary>
/// What a request head must keep to for the direct path: Kestrel's own size limits, a <c>Host</c> the server
/// answers (the host filtering that <c>AllowedHosts</c> sets up), and header fields on an allow-list. Anything
/// else goes to Kestrel.
/// </summary>
internal sealed class HeadRules
{
    // Fields a long-poll answer does not depend on and that nothing in the framework acts on for such a request.
    // Browsers send them on fetch and EventSource requests, proxies add them; a request with any other field
    // (credentials, a body, an Origin to answer for, an upgrade, Expect, TE, conditionals, or one nobody has
    // looked at yet) is the pipeline's.
    // - Accept-Encoding: the answer is never compressed here; a host with response compression turns this path off.
    // - Cookie: read only by authentication, and the direct path hands every request over once the subscribe
    //   endpoint asks for authorization (see EndpointAuthorization).
    // - X-Real-IP, Via, Forwarded, X-Forwarded-Port: the framework's forwarded-headers middleware reads none of
    //   them (only the X-Forwarded-* fields named in its options), so the pipeline counts such a client by its
    //   connection too. A vendor's trace id (X-Amzn-Trace-Id, say) is left off: its tracing middleware may read it.
    private static readonly string[] Harmless =
    [
        "User-Agent", "Accept-Encoding", "Accept-Language", "Cache-Control", "Pragma", "Referer", "Cookie", "DNT", "Sec-GPC",
        "Priority", "X-Requested-With", "X-Real-IP", "Via", "Forwarded", "X-Forwarded-Port",
    ];

    // The trace context the hosting layer's propagator reads (DistributedContextPropagator: W3C and its legacy forms).
    private static readonly string[] Trace = ["traceparent", "tracestate", "baggage", "Request-Id", "Correlation-Context"];

    private readonly string[] _hosts;
    private readonly bool _anyHost;
    private readonly FrozenDictionary<string, HeadField>.AlternateLookup<ReadOnlySpan<char>> _fields;
    private readonly int _longestField;

    public HeadRules(string subscribePrefix, KestrelServerLimits limits, IList<string> allowedHosts, ForwardedHeadersOptions forwarded)
    {
        SubscribePrefix = subscribePrefix;
        MaxLength = Math.Min(8 * 1024, limits.MaxRequestLineSize + limits.MaxRequestHeadersTotalSize);
        MaxRequestLine = limits.MaxRequestLineSize;
        MaxFields = limits.MaxRequestHeaderCount;
        _hosts = [.. allowedHosts.Select(h => h.Trim())];
        _anyHost = allowedHosts.Count == 0 || allowedHosts.Any(h => h.Trim() == "*");

        var fields = new Dictionary<string, HeadField>(StringComparer.OrdinalIgnoreCase)
        {
            ["Host"] = HeadField.Host,
            ["Accept"] = HeadField.Accept,
            ["Last-Event-ID"] = HeadField.LastEventId,
            ["Connection"] = HeadField.Connection,
        };
        foreach (var name in Harmless)
        {
            fields[name] = HeadField.Ignored;
        }
        foreach (var name in Trace)
        {
            fields[name] = HeadField.TraceContext;
        }
        // The X-Forwarded-* fields under the names the options give them, as the pipeline's middleware reads them.
        // X-Forwarded-For names the client the limits count; X-Forwarded-Proto changes only the scheme, which no
        // long-poll answer shows, but it is read beside the client's address because RequireHeaderSymmetry can
        // make the middleware ignore both. X-Forwarded-Host and -Prefix change Host and PathBase, so when the
        // options apply them the request is the pipeline's; when they do not, the pipeline ignores them too.
        var applied = forwarded.ForwardedHeaders;
        var forClient = applied.HasFlag(ForwardedHeaders.XForwardedFor);
        fields[forwarded.ForwardedForHeaderName] = forClient ? HeadField.ForwardedFor : HeadField.Ignored;
        fields[forwarded.ForwardedProtoHeaderName] = forClient ? HeadField.ForwardedProto : HeadField.Ignored;
        fields[forwarded.ForwardedHostHeaderName] = applied.HasFlag(ForwardedHeaders.XForwardedHost) ? HeadField.Refused : HeadField.Ignored;
        fields[forwarded.ForwardedPrefixHeaderName] = applied.HasFlag(ForwardedHeaders.XForwardedPrefix) ? HeadField.Refused : HeadField.Ignored;
        _fields = fields.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase).GetAlternateLookup<ReadOnlySpan<char>>();
        _longestField = fields.Keys.Max(k => k.Length);
    }

    /// <summary>The path every subscription starts with, such as <c>/sub/</c>.</summary>
    public string SubscribePrefix { get; }

    /// <summary>The longest head taken here; longer ones go to Kestrel, which enforces its limits on them.</summary>
    public int MaxLength { get; }

    public int MaxRequestLine { get; }

    public int MaxFields { get; }

    /// <summary>What the field named <paramref name="name"/> (a token, so ASCII) means here; anything unknown is refused.</summary>
    public HeadField Classify(ReadOnlySpan<byte> name)
    {
        // Fetch metadata and client hints: descriptions of the browser and the request's context, read by no one here.
        if ((name.Length > 10 && Ascii.EqualsIgnoreCase(name[..10], "sec-fetch-"u8))
            || (name.Length >= 9 && Ascii.EqualsIgnoreCase(name[..9], "sec-ch-ua"u8)))
        {
            return HeadField.Ignored;
        }
        if (name.Length > _longestField)
        {
            return HeadField.Refused;
        }
        Span<char> chars = stackalloc char[name.Length];
        Ascii.ToUtf16(name, chars, out _);
        return _fields.TryGetValue(chars, out var field) ? field : HeadField.Refused;
    }

    /// <summary>A plain host name or address with an optional port, and one the server answers.</summary>
    public bool AllowsHost(ReadOnlySpan<byte> value)
    {
        foreach (var b in value)
        {
            if (!(char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'.' or (byte)'_' or (byte)':' or (byte)'[' or (byte)']'))
            {
                return false;
            }
        }
        if (value.IsEmpty)
        {
            return false;
        }
        if (_anyHost)
        {
            return true;
        }
        // The name without its port, as host filtering compares it.
        var end = value[0] == '[' ? value.IndexOf((byte)']') + 1 : value.LastIndexOf((byte)':');
        var name = Encoding.ASCII.GetString(end > 0 ? value[..end] : value);
        foreach (var allowed in _hosts)
        {
            if (allowed.StartsWith("*.", StringComparison.Ordinal)
                ? name.EndsWith(allowed[1..], StringComparison.OrdinalIgnoreCase) && name.Length > allowed.Length - 1
                : string.Equals(name, allowed, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }
}
