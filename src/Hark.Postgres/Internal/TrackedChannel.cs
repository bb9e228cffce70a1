namespace Hark.Postgres.Internal;

/// <summary>
/// A channel this node is interested in (someone waits on it here, or it was read lately): what the node knows
/// of its state and its recent messages, under one lock. Notifications for other channels are ignored.
/// </summary>
internal sealed class TrackedChannel(string name)
{
    public string Name { get; } = name;

    public Lock Gate { get; } = new();

    /// <summary>Whether the channel keeps only its newest message (<see cref="HistoryOptions.LatestValueChannels"/>), worked out once.</summary>
    public bool LatestOnly { get; init; }

    /// <summary>The newest state heard of, from a read, a publish of this node, or a notification.</summary>
    public ChannelState Known { get; set; } = ChannelState.None;

    /// <summary>The listening generation in which <see cref="Known"/> was last confirmed by the database; -1 when never.</summary>
    public long Generation { get; set; } = -1;

    /// <summary>Recent messages of <see cref="Known"/>'s history, with consecutive sequence numbers.</summary>
    public List<CachedMessage> Cache { get; } = [];

    /// <summary>The one database read in flight that brings the cache up to date, shared by every reader that needs it.</summary>
    public Task? Filling { get; set; }

    /// <summary>The one state read in flight, shared by every waiter that needs it.</summary>
    public Task? Refreshing { get; set; }

    /// <summary>When it was last used (a <see cref="TimeProvider"/> timestamp); idle channels are dropped.</summary>
    public long LastUsed { get; set; }

    /// <summary>Set under the lock when the channel is dropped; whoever finds it set looks the channel up again.</summary>
    public bool Dead { get; set; }

    public long CacheLast => Cache.Count == 0 ? -1 : Cache[^1].Message.Seq;

    public long CacheFirst => Cache.Count == 0 ? -1 : Cache[0].Message.Seq;
}
