namespace Hark.AspNetCore;

/// <summary>Settings of the WebSocket transport (<c>GET /ws</c>), bound from <c>Hark:WebSocket</c>.</summary>
public sealed class HarkWebSocketOptions
{
    /// <summary>Whether <c>MapHark</c> serves <c>/ws</c> at all. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the server pings an open socket, which also keeps proxies from closing an idle one. Default 15 s.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long the server waits for the pong to a ping before it drops the connection (a client gone without a word).
    /// <see cref="Timeout.InfiniteTimeSpan"/> turns the check off. Default 20 s.
    /// </summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How long one frame may wait to be sent, and a subscription may wait for room in the send queue, before the client
    /// counts as too slow and is closed with 4408 (it resumes from its cursor). Default 10 s.
    /// </summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Most frames queued for one socket and not yet sent; a subscription with more to send waits for room. Default 256.</summary>
    public int SendQueueFrames { get; set; } = 256;

    /// <summary>Largest frame a client may send, in bytes (4413 beyond). Default 64 KiB.</summary>
    public int MaxFrameBytes { get; set; } = 64 * 1024;

    /// <summary>Most subscriptions open at once on one socket (a <c>subscription-limit</c> error beyond). Default 64.</summary>
    public int MaxSubscriptions { get; set; } = 64;

    /// <summary>
    /// Per-message deflate (RFC 7692) when the client offers it. Off by default: the framework compresses each frame for
    /// each socket, so a fan-out pays the compression once per subscriber (see docs/protocol.md for the measured cost).
    /// </summary>
    public bool Compression { get; set; }
}
