namespace Hark.AspNetCore.Internal.Direct;

/// <summary>What a request header field means to the direct path (see <see cref="HeadRules.Classify"/>).</summary>
internal enum HeadField
{
    /// <summary>Not on the allow-list: the request goes to Kestrel.</summary>
    Refused,

    /// <summary>Harmless for a long-poll answer: neither the endpoint nor the framework's middleware acts on it.</summary>
    Ignored,

    Host,
    Accept,
    LastEventId,
    Connection,

    /// <summary>The client's address as a proxy names it, applied by the forwarded-headers options.</summary>
    ForwardedFor,

    /// <summary>The scheme the client used, read beside <see cref="ForwardedFor"/> as the forwarded-headers middleware reads it.</summary>
    ForwardedProto,

    /// <summary>W3C trace context or its older forms, which the hosting layer turns into the request's activity.</summary>
    TraceContext,
}
