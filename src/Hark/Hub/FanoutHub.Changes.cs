namespace Hark.Hub;

/// <summary>The hub as the engine's change listener: each report swaps a channel's waiters out under its lock and wakes them outside it.</summary>
internal sealed partial class FanoutHub : IChannelChangeListener
{
    public int Appended(string channel, Epoch epoch, long lastSeq) => Appended(channel, epoch, lastSeq, null);

    public int Appended(string channel, IReadOnlyList<HarkMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var last = messages[^1];
        return Appended(channel, last.Epoch, last.Seq, messages);
    }

    private int Appended(string channel, Epoch epoch, long lastSeq, IReadOnlyList<HarkMessage>? messages)
    {
        Volatile.Read(ref _activity)?.Appended(channel, epoch, lastSeq);
        if (Take(channel, out var hubChannel, out var reports, new ChannelPosition(channel, epoch, lastSeq), out var newest) is not { } taken)
        {
            return 0;
        }
        // Messages published here come with the report; when nothing newer was reported before them, they are what a
        // read from just before the first would find now (anything published later is reported after this).
        var known = messages is not null && newest ? new ReadBatch(messages, [messages[^1].Position], []) : null;
        var groups = new WakeGroups(Engine, hubChannel, reports, known);
        foreach (var entry in taken)
        {
            var position = entry.Position;
            if (position.Epoch == epoch && position.Seq >= lastSeq)
            {
                // A report that arrived after a newer one (two publishers racing, a feed catching up): this waiter
                // already has it. It reads again rather than being put back, so no entry can be left behind.
                groups.Alone(entry.Waiter);
            }
            else if (entry.Waiter.Positions.Length == 1)
            {
                groups.Shared(entry.Waiter, position);
            }
            else
            {
                groups.Alone(entry.Waiter);
            }
        }
        return groups.Wake();
    }

    public int Deleted(string channel, Func<ChannelPosition, bool>? closes)
    {
        if (Take(channel, out _, out _, null, out _) is not { } taken)
        {
            return 0;
        }
        List<Waiter> closed = [];
        List<Waiter>? again = null;
        foreach (var entry in taken)
        {
            if (closes is null || closes(entry.Position))
            {
                closed.Add(entry.Waiter);
            }
            else
            {
                // Its cursor is from after the delete: the delete is not news to it.
                (again ??= []).Add(entry.Waiter);
            }
        }
        if (again is not null)
        {
            WakeBatch.Wake(again, new WakeResult(WakeReason.Ready));
        }
        return WakeBatch.Wake(closed, new WakeResult(WakeReason.Closed, channel));
    }

    public int Reset(string channel)
    {
        if (Take(channel, out _, out _, null, out _) is not { } taken)
        {
            return 0;
        }
        var waiters = new List<Waiter>(taken.Count);
        foreach (var entry in taken)
        {
            waiters.Add(entry.Waiter);
        }
        return WakeBatch.Wake(waiters, new WakeResult(WakeReason.Ready));
    }

    public bool IsWatched(string channel) => Waiting(channel) > 0;

    public IReadOnlyCollection<string> WatchedChannels()
    {
        var names = new List<string>();
        foreach (var (name, channel) in _channels)
        {
            if (Volatile.Read(ref channel.Count) > 0)
            {
                names.Add(name);
            }
        }
        return names;
    }

    /// <summary>
    /// Counts a report and swaps the channel's waiters out under its lock; null when nobody waits. <paramref name="appended"/>:
    /// the newest position an append report names (null for a delete or reset, which forget it); <paramref name="newest"/>:
    /// no report before this one named a later position of the same history.
    /// </summary>
    private LinkedList<HubEntry>? Take(string channel, out HubChannel? taken, out long reports, ChannelPosition? appended, out bool newest)
    {
        reports = 0;
        newest = false;
        if (!_channels.TryGetValue(channel, out taken))
        {
            return null;
        }
        lock (taken.Gate)
        {
            // A report of nothing past what the channel's trusted head and joining read already cover (another node's
            // wake-up arriving after this node read past it) is no news to them: they stay trusted. Its waiters still wake.
            reports = appended is { } reported && Covered(taken, reported) ? taken.Reports : ++taken.Reports;
            if (appended is { } position)
            {
                newest = taken.LastReported is { } before && before.Epoch == position.Epoch && before.Seq < position.Seq;
                if (newest || taken.LastReported is null || taken.LastReported.Value.Epoch != position.Epoch)
                {
                    taken.LastReported = position;
                }
            }
            else
            {
                taken.LastReported = null;
            }
            if (taken.Waiters.Count == 0)
            {
                return null;
            }
            var waiters = taken.Waiters;
            taken.Waiters = new LinkedList<HubEntry>();
            taken.Count = 0;
            return waiters;
        }
    }

    /// <summary>Under the channel's lock: whether its trusted head or joining read (one at least, and each there is) is at or past <paramref name="reported"/>.</summary>
    private static bool Covered(HubChannel channel, ChannelPosition reported)
    {
        var covered = false;
        if (channel.Head is { } head && head.Reports == channel.Reports)
        {
            if (!AtOrPast(head.Position, reported))
            {
                return false;
            }
            covered = true;
        }
        if (channel.Joining is { } joining && joining.Reports == channel.Reports)
        {
            if (!AtOrPast(joining.Position, reported))
            {
                return false;
            }
            covered = true;
        }
        return covered;
    }

    private static bool AtOrPast(ChannelPosition position, ChannelPosition reported) =>
        position.Epoch == reported.Epoch && position.Seq >= reported.Seq;

    /// <summary>
    /// A shared read of <paramref name="channel"/> is done: it no longer takes joiners (the head covers them from now on),
    /// and when it reached the newest message (<paramref name="newest"/>, null when cut short or failed) with no change
    /// reported since its wake-up, that is the channel's head; the read itself is kept only if it found messages, for a
    /// late re-poll at its position.
    /// </summary>
    internal static void Settled(HubChannel channel, SharedRead read, ReadBatch? newest, long reports)
    {
        lock (channel.Gate)
        {
            if (ReferenceEquals(channel.Joining, read))
            {
                channel.Joining = null;
            }
            if (newest is not null && channel.Reports == reports)
            {
                var found = newest.Positions[0];
                if (channel.Head is { } head && head.Reports == reports)
                {
                    // Two reads since the same report: the one that ran earlier may settle later. The head only moves on
                    // (a report the later one covered may have come, and left the count as it was); across histories
                    // (an empty channel's first publish) which is later is unknown, and neither is trusted.
                    if (head.Position.Epoch != found.Epoch)
                    {
                        channel.Head = null;
                        return;
                    }
                    if (head.Position.Seq > found.Seq)
                    {
                        return;
                    }
                }
                channel.Head = (found, reports, newest.IsEmpty ? null : read);
                channel.HeadAged = false;
            }
        }
    }
}
