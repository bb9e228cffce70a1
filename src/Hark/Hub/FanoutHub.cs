using System.Collections.Concurrent;

namespace Hark.Hub;

/// <summary>
/// This node's subscribers, for every engine: who waits on which channel at which position, their deadlines (the
/// one <see cref="DeadlineWheel"/>), cancellation, the per-channel subscriber limit, batched wake-ups and shutdown.
/// The engine reports what changed (<see cref="IChannelChangeListener"/>); the hub wakes the waiters it concerns,
/// and all of them at one position share one read and one answer (<see cref="SharedRead"/>).
/// </summary>
internal sealed partial class FanoutHub : IDisposable
{
    private readonly ConcurrentDictionary<string, HubChannel> _channels = new(StringComparer.Ordinal);
    private readonly DeadlineWheel _wheel;
    private readonly TimeProvider _time;
    private readonly int _maxPerChannel;
    private readonly ITimer _sweepTimer;
    private ChannelActivity? _activity;

    public FanoutHub(IHarkEngine engine, DeadlineWheel wheel, TimeProvider time, int maxSubscribersPerChannel)
        : this(engine, wheel, time, maxSubscribersPerChannel, TimeSpan.FromSeconds(10))
    {
    }

    public FanoutHub(IHarkEngine engine, DeadlineWheel wheel, TimeProvider time, int maxSubscribersPerChannel, TimeSpan sweepInterval)
    {
        ArgumentNullException.ThrowIfNull(engine);
        Engine = engine;
        _wheel = wheel;
        _time = time;
        _maxPerChannel = maxSubscribersPerChannel;
        _sweepTimer = time.CreateTimer(static s => ((FanoutHub)s!).Sweep(), this, sweepInterval, sweepInterval);
        engine.Attach(this);
    }

    /// <summary>The engine whose changes this hub hears.</summary>
    public IHarkEngine Engine { get; }

    /// <summary>
    /// Which channels keep only their newest message (<see cref="HistoryOptions.IsLatestValue"/>): a new subscriber to one
    /// starts before that message, so <see cref="StartAsync"/> leaves those to the engine.
    /// </summary>
    public Func<string, bool> IsLatestValue { get; init; } = static _ => false;

    /// <summary>
    /// Counts messages per channel from every report while set (the operator's dashboard sets it while it is open);
    /// null, the default, costs a report one read of this field.
    /// </summary>
    public ChannelActivity? Activity
    {
        get => Volatile.Read(ref _activity);
        set => Volatile.Write(ref _activity, value);
    }

    /// <summary>Holds that have read, found nothing, and wait for a change or their deadline.</summary>
    internal int Held => _wheel.Count;

    /// <summary>Subscribers waiting on <paramref name="channel"/> on this node now.</summary>
    public int Waiting(string channel) => _channels.TryGetValue(channel, out var c) ? Volatile.Read(ref c.Count) : 0;

    /// <summary>
    /// The engine's state of <paramref name="channel"/> with this node's subscriber count; a channel the engine knows
    /// nothing of yet but that someone waits on reads as empty.
    /// </summary>
    public async ValueTask<ChannelInfo?> DescribeAsync(string channel, CancellationToken cancellationToken)
    {
        var waiting = Waiting(channel);
        if (await Engine.GetChannelAsync(channel, cancellationToken) is { } info)
        {
            return info with { Subscribers = waiting };
        }
        if (waiting == 0)
        {
            return null;
        }
        var now = (await Engine.GetStartAsync([channel], StartPoint.Now, cancellationToken))[0];
        return new ChannelInfo(channel, 0, 0, now.Seq + 1, now.Seq, now.Cursor, waiting, null);
    }

    /// <summary>
    /// Deletes a channel: its history in the engine (which reports the delete to this hub), and its waiters here even
    /// when the engine never held a message of it. False when neither knew it.
    /// </summary>
    public async ValueTask<bool> DeleteAsync(string channel, CancellationToken cancellationToken)
    {
        if (await Engine.DeleteChannelAsync(channel, cancellationToken))
        {
            return true;
        }
        // Waited on but never published: nothing to delete in the store, but its subscribers are told it is gone.
        return Deleted(channel, null) > 0;
    }

    /// <summary>
    /// Where a subscription without a cursor starts (<see cref="IHarkEngine.GetStartAsync"/>). A new subscriber at
    /// <see cref="StartPoint.Now"/> of one hot channel starts at the newest position a shared read found, while no change
    /// has been reported since: a crowd joining a channel costs no store read each. (A publish not reported yet is then
    /// the subscriber's first message: it started a moment earlier, which no subscriber can tell from later.) Not for a
    /// latest-value channel, whose new subscriber starts before its newest message: the engine knows where that is.
    /// </summary>
    public ValueTask<IReadOnlyList<ChannelPosition>> StartAsync(IReadOnlyList<string> channels, StartPoint start, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channels);
        if (start == StartPoint.Now && channels.Count == 1 && !IsLatestValue(channels[0]) && _channels.TryGetValue(channels[0], out var channel))
        {
            lock (channel.Gate)
            {
                if (channel.Head is { } head && head.Reports == channel.Reports)
                {
                    return new ValueTask<IReadOnlyList<ChannelPosition>>(new[] { head.Position });
                }
            }
        }
        return Engine.GetStartAsync(channels, start, cancellationToken);
    }

    /// <summary>Answers every held waiter as stopping and refuses new ones (server shutdown).</summary>
    public int Stop() => _wheel.Stop();

    /// <summary>
    /// Puts the waiter on every one of its channels at once, so a change reported after this returns finds it;
    /// false (and nothing registered) when a channel has the most subscribers allowed. <paramref name="current"/>: the
    /// waiter's one channel has had no change reported since a read found its newest message at the waiter's position.
    /// <paramref name="shared"/>, for a waiter on one channel with something to read: a read from its very position begun
    /// with no change reported since, so what it finds is what a read now would find: the last wake-up's shared read
    /// (a late re-poll), or the read of another subscriber joining at that position (a crowd joining costs one read).
    /// </summary>
    private bool TryRegister(Waiter waiter, out string? full, out bool current, out SharedRead? shared)
    {
        full = null;
        current = false;
        shared = null;
        var positions = waiter.Positions;
        for (var i = 0; i < positions.Length; i++)
        {
            var name = positions[i].Channel;
            while (true)
            {
                var channel = _channels.GetOrAdd(name, static n => new HubChannel(n));
                var added = false;
                lock (channel.Gate)
                {
                    if (!channel.Dead)
                    {
                        if (channel.Waiters.Count >= _maxPerChannel)
                        {
                            full = name;
                        }
                        else
                        {
                            if (positions.Length == 1)
                            {
                                (current, shared) = Reading(channel, waiter);
                            }
                            waiter.Register(i, new HubRegistration(channel, channel.Waiters.AddLast(new HubEntry(waiter, i))));
                            channel.Count = channel.Waiters.Count;
                            channel.Touched = true;
                            added = true;
                        }
                    }
                }
                if (full is not null)
                {
                    // Outside the lock: unregistering takes the other channels' locks, one at a time.
                    Unregister(waiter);
                    return false;
                }
                if (added)
                {
                    break;
                }
                _channels.TryRemove(new KeyValuePair<string, HubChannel>(name, channel));
            }
        }
        return true;
    }

    /// <summary>Under the channel's lock: whether a one-channel waiter has nothing to read, else the read it shares.</summary>
    private (bool Current, SharedRead? Shared) Reading(HubChannel channel, Waiter waiter)
    {
        var position = waiter.Positions[0];
        if (channel.Head is { } head && head.Reports == channel.Reports)
        {
            // Nothing reported since a read found the newest message at this very position: nothing to read.
            if (head.Position == position)
            {
                return (true, null);
            }
            if (head.Read is { } read && read.Matches(position, waiter.Max, channel.Reports))
            {
                return (false, read);
            }
        }
        if (channel.Joining is not { } joining || !joining.Matches(position, waiter.Max, channel.Reports))
        {
            channel.Joining = joining = new SharedRead(Engine, position, waiter.Max, channel, channel.Reports);
        }
        return (false, joining);
    }

    private static void Unregister(Waiter waiter)
    {
        for (var i = 0; i < waiter.Registered; i++)
        {
            var (channel, node) = waiter.Registration(i);
            // A wake-up swaps the whole list out; then the node is in no live list and there is nothing to
            // remove (and no lock to take): the usual case after a fan-out.
            if (node.List is null || !ReferenceEquals(node.List, channel.Waiters))
            {
                continue;
            }
            lock (channel.Gate)
            {
                if (ReferenceEquals(node.List, channel.Waiters))
                {
                    channel.Waiters.Remove(node);
                    channel.Count = channel.Waiters.Count;
                }
            }
        }
        waiter.Registered = 0;
    }

    /// <summary>Forgets channels that had no waiter over a whole sweep period.</summary>
    internal void Sweep()
    {
        foreach (var (name, channel) in _channels)
        {
            lock (channel.Gate)
            {
                // A head is trusted for two sweep periods at most: a change no report stands for (a history a memory
                // engine forgot, say) then reaches a subscriber at its next read, not only with the next publish. (Not
                // one: a sweep would then now and then fall in a fan-out's wave of re-polls and send each to the store.)
                if (channel.HeadAged)
                {
                    channel.Head = null;
                }
                channel.HeadAged = channel.Head is not null;
                if (channel.Waiters.Count > 0 || channel.Touched)
                {
                    channel.Touched = false;
                    continue;
                }
                channel.Dead = true;
            }
            _channels.TryRemove(new KeyValuePair<string, HubChannel>(name, channel));
        }
    }

    public void Dispose() => _sweepTimer.Dispose();
}
