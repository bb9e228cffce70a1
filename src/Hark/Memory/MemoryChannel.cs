namespace Hark.Memory;

/// <summary>One channel of the memory engine: its history and sequence counter, under one lock.</summary>
internal sealed class MemoryChannel
{
    public MemoryChannel(string name, Epoch epoch, long lastSeq, long resetStamp, bool latestOnly)
    {
        Name = name;
        LatestOnly = latestOnly;
        Epoch = epoch;
        LastSeq = lastSeq;
        ResetStamp = resetStamp;
    }

    public string Name { get; }

    public Epoch Epoch { get; }

    /// <summary>Stamp of the last time this channel's history was lost (a delete); 0 when never.</summary>
    public long ResetStamp { get; }

    public Lock Gate { get; } = new();

    public ChannelHistory History { get; } = new();

    public long LastSeq { get; set; }

    /// <summary>A latest-value channel: history holds only the newest message.</summary>
    public bool LatestOnly { get; }

    /// <summary>The newest version a publish carried, or null.</summary>
    public long? LastVersion { get; set; }

    private volatile bool _dead;

    /// <summary>
    /// Set (under the lock, after its tombstone is written) when the channel is removed; callers that find it
    /// retry. Volatile, because it is also read without the lock: whoever sees it set also sees the tombstone.
    /// </summary>
    public bool Dead
    {
        get => _dead;
        set => _dead = value;
    }

    /// <summary>Oldest retained sequence number; one past <see cref="LastSeq"/> when history is empty.</summary>
    public long FirstSeq => History.Count == 0 ? LastSeq + 1 : History.FirstSeq;
}
