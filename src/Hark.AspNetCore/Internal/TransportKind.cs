namespace Hark.AspNetCore.Internal;

/// <summary>How a subscriber receives messages; the name is the <c>transport</c> query value and the metric tag.</summary>
internal enum TransportKind
{
    LongPoll,
    Sse,
    Ndjson,
    Iframe,
}
