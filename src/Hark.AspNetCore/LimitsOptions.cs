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
}
