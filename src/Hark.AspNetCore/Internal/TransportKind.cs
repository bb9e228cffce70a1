namespace Hark.AspNetCore.Internal;

/// <summary>How a subscriber receives messages; the name is the <c>transport</c> query value and the metric tag.</summary>
internal enum TransportKind
{
    LongPoll,
    Sse,
    Ndjson,
    Iframe,

    /// <summary>A subscription on a socket (<c>/ws</c>); never chosen by <c>/sub</c>'s <c>transport</c>.</summary>
    WebSocket,
}
