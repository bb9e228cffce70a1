namespace Hark.Client;

/// <summary>Settings of a <see cref="HarkClient"/>.</summary>
public sealed class HarkClientOptions
{
    /// <summary>The server's root address, such as <c>http://127.0.0.1:8090/</c>. Needed unless the HttpClient has a base address.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>The publisher key, sent as <c>Authorization: Bearer</c> on publish, info and delete.</summary>
    public string? PublisherKey { get; set; }

    /// <summary>The subscriber token (see <see cref="HarkSubscriberToken"/>), sent as <c>Authorization: Bearer</c> on subscribe requests.</summary>
    public string? SubscriberToken { get; set; }

    /// <summary>
    /// Who this client's subscriptions are for presence: sent as <c>client=</c> (or in the socket's subscribe frame), so on a
    /// channel that tracks presence they are listed under it. 1 to 64 characters of <c>A–Z a–z 0–9 . _ - : @</c>. Default
    /// null: none, the subscriptions are not listed. A subscription may name its own (<see cref="HarkClient.SubscribeAsync(IEnumerable{string}, string?, string?, CancellationToken)"/>).
    /// </summary>
    public string? ClientId { get; set; }

    /// <summary>How subscriptions receive messages. Default long-poll.</summary>
    public SubscribeTransport Transport { get; set; } = SubscribeTransport.LongPoll;

    /// <summary>How long the server holds each long-poll. Default 25 s.</summary>
    public TimeSpan PollTimeout { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>First wait after a network error; it doubles, with jitter, up to <see cref="MaxRetryDelay"/>. Default 0.5 s.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest wait after network errors. Default 30 s.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First wait after a 5xx (or 429) answer; it doubles, with jitter, up to <see cref="MaxServerErrorDelay"/>. Default 5 s.</summary>
    public TimeSpan ServerErrorDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait after server errors. Default 2 minutes.</summary>
    public TimeSpan MaxServerErrorDelay { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The clock used for retry waits (tests pass their own).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
