namespace Hark.AspNetCore;

/// <summary>Hark's settings, bound from the <c>Hark</c> configuration section.</summary>
public sealed class HarkOptions
{
    /// <summary>The configuration section bound by default.</summary>
    public const string SectionName = "Hark";

    /// <summary>Which engine holds messages: <c>memory</c> (the default), <c>postgres</c> (registered by Hark.Postgres's <c>AddPostgres()</c>) or <c>redis</c> (Hark.Redis's <c>AddRedis()</c>).</summary>
    public string Engine { get; set; } = "memory";

    /// <summary>Bounds on each channel's history.</summary>
    public HistoryOptions History { get; set; } = new();

    /// <summary>Long-poll settings.</summary>
    public PollOptions Poll { get; set; } = new();

    /// <summary>SSE and NDJSON stream settings.</summary>
    public StreamOptions Streams { get; set; } = new();

    /// <summary>The WebSocket transport (<c>/ws</c>).</summary>
    public HarkWebSocketOptions WebSocket { get; set; } = new();

    /// <summary>The request/reply primitive.</summary>
    public AskOptions Ask { get; set; } = new();

    /// <summary>Who may publish.</summary>
    public PublishOptions Publish { get; set; } = new();

    /// <summary>Who may subscribe.</summary>
    public SubscribeOptions Subscribe { get; set; } = new();

    /// <summary>Authorization delegated to the application: its issuer's tokens, and the authorization hook.</summary>
    public AuthOptions Auth { get; set; } = new();
    /// <summary>Presence: who is on a channel, and join/leave events.</summary>
    public PresenceOptions Presence { get; set; } = new();

    /// <summary>Hark's traces: how many deliveries record a span.</summary>
    public TracingOptions Tracing { get; set; } = new();

    /// <summary>Request limits.</summary>
    public LimitsOptions Limits { get; set; } = new();

    /// <summary>The operator's dashboard at <c>/admin</c>.</summary>
    public AdminOptions Admin { get; set; } = new();

    /// <summary>Cross-origin access for browser pages served from elsewhere.</summary>
    public CrossOriginOptions Cors { get; set; } = new();

    /// <summary>The Nchan-compatible door.</summary>
    public NchanOptions Nchan { get; set; } = new();
}
