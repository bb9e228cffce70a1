namespace Hark.AspNetCore;

/// <summary>Settings of the streaming transports (SSE and NDJSON).</summary>
public sealed class StreamOptions
{
    /// <summary>How often an idle stream sends a heartbeat so proxies keep it open. Default 15 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long one write may wait for a client that does not read before the connection is dropped
    /// (its buffered bytes are then freed; it resumes from its cursor). Default 10 s.
    /// </summary>
    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The SSE <c>retry:</c> hint: how long a browser waits before reconnecting. Default 2 s.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(2);
}
