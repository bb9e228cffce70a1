namespace Hark.AspNetCore;

/// <summary>Long-poll settings.</summary>
public sealed class PollOptions
{
    /// <summary>How long a poll is held when it gives no <c>timeout</c>. Default 25 s, under common proxy idle limits (30–60 s).</summary>
    public TimeSpan DefaultTimeout { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>The largest <c>timeout</c> a client may ask for; larger is a 400. Default 120 s.</summary>
    public TimeSpan MaxTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Messages per answer when the client gives no <c>max</c>. Default 100.</summary>
    public int DefaultBatch { get; set; } = 100;

    /// <summary>The largest <c>max</c> a client may ask for; larger is a 400. Default 1000.</summary>
    public int MaxBatch { get; set; } = 1000;

    /// <summary>
    /// Whether listeners set up with <c>UseHarkLongPoll()</c> answer plain long-polls on the connection,
    /// ahead of Kestrel's HTTP layer and the middleware pipeline (the server sets it up on every listener).
    /// Default true; false sends every request through the pipeline.
    /// </summary>
    public bool Direct { get; set; } = true;

    /// <summary>Granularity of the one timer behind all poll deadlines and heartbeats. Default 100 ms.</summary>
    public TimeSpan TimerResolution { get; set; } = TimeSpan.FromMilliseconds(100);
}
