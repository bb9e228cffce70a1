namespace Hark;

/// <summary>Bounds on each channel's history, and on the bookkeeping of idle channels.</summary>
public sealed class HistoryOptions
{
    /// <summary>Most messages kept per channel; older ones are evicted first. Default 1000.</summary>
    public int MaxMessages { get; set; } = 1000;

    /// <summary>Most bytes kept per channel (payload plus encodings). Default 4 MiB.</summary>
    public long MaxBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>How long a message is kept. Default 1 hour.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often aged messages are evicted and idle channels dropped. Default 10 s.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Channel patterns (<c>*</c> matches any run of characters, as in <c>job.*</c>) naming latest-value channels:
    /// such a channel keeps only its newest message, and a subscription without a cursor starts just before it,
    /// so a page that opens late gets the current state at once. A cursor behind the newest message gets that
    /// message with no gap: older states are superseded, not lost. Empty by default.
    /// </summary>
    public IList<string> LatestValueChannels { get; set; } = [];

    /// <summary>Whether <paramref name="channel"/> is a latest-value channel.</summary>
    public bool IsLatestValue(string channel)
    {
        foreach (var pattern in LatestValueChannels)
        {
            if (ChannelPattern.Matches(pattern, channel))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// How many dropped channels keep their epoch and last sequence number, so that a cursor into a
    /// dropped channel still resumes without a false gap. Each costs about 100 bytes. Default 100,000.
    /// </summary>
    public int MaxTombstones { get; set; } = 100_000;
}
