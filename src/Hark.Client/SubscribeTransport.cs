namespace Hark.Client;

/// <summary>How a subscription receives messages.</summary>
public enum SubscribeTransport
{
    /// <summary>Long-polling: one request per batch, through any proxy.</summary>
    LongPoll,

    /// <summary>One long-lived NDJSON stream; reconnects from its cursor when it ends.</summary>
    Stream,

    /// <summary>One WebSocket (<c>GET /ws</c>) per subscription; reopened from its cursor when it closes.</summary>
    WebSocket,
}
