namespace Hark.AspNetCore;

/// <summary>Request limits; requests beyond them get a 4xx problem answer.</summary>
public sealed class LimitsOptions
{
    /// <summary>Most channels in one subscription, from 1 to 17 (the subscription's cursor must fit in 4096 characters). Default 16.</summary>
    public int MaxChannelsPerRequest { get; set; } = 16;

    /// <summary>
    /// Largest message payload in bytes. Default 256 KiB. A message is held in three to four times its size
    /// (raw, escaped, and its two wire forms), so <c>4 × MaxMessageBytes + 512</c> must fit in <c>History:MaxBytes</c>;
    /// text dense with control characters or line breaks escapes longer (up to about 14 times), and history
    /// bounds always count the real stored size.
    /// </summary>
    public int MaxMessageBytes { get; set; } = 256 * 1024;

    /// <summary>Largest batch publish body in bytes. Default 4 MiB.</summary>
    public int MaxBatchBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Most messages in one batch publish. Default 1000.</summary>
    public int MaxBatchMessages { get; set; } = 1000;

    /// <summary>Most subscriber requests held open at once from one client address (429 beyond). Default 10,000 (NATs share addresses).</summary>
    public int MaxHeldPerAddress { get; set; } = 10_000;

    /// <summary>
    /// New subscriptions per second from one client address: requests without a cursor, and stream opens
    /// (re-polls with a cursor are bounded by <see cref="MaxHeldPerAddress"/> instead). Default 1000.
    /// </summary>
    public int NewSubscriptionsPerSecond { get; set; } = 1000;

    /// <summary>How many new subscriptions one address may make in a burst before the rate applies. Default 10,000.</summary>
    public int NewSubscriptionsBurst { get; set; } = 10_000;

    /// <summary>Publishes per second per publisher key (per address when keys are not used). Default 20,000.</summary>
    public int PublishesPerSecond { get; set; } = 20_000;

    /// <summary>How many publishes one key may make in a burst before the rate applies. Default 40,000.</summary>
    public int PublishBurst { get; set; } = 40_000;

    /// <summary>Most channels the server holds (503 beyond). Default 1,000,000.</summary>
    public long MaxChannels { get; set; } = 1_000_000;

    /// <summary>Most bytes of history over all channels; publishes beyond it get 503 until messages expire. Default 1 GiB.</summary>
    public long MaxHistoryBytes { get; set; } = 1L << 30;

    /// <summary>Most subscribers waiting on one channel (503 beyond). Default 100,000.</summary>
    public int MaxSubscribersPerChannel { get; set; } = 100_000;
}
