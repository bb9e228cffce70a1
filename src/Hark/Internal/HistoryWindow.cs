namespace Hark.Internal;

/// <summary>
/// How every engine maps a cursor onto a channel's history, and merges several channels' reads into one
/// answer: one implementation, so the engines cannot drift apart on gaps and order.
/// </summary>
internal static class HistoryWindow
{
    /// <summary>
    /// The sequence number after which to deliver, and the gap (if any) between the cursor and what is still
    /// there. <paramref name="emptyCursorOfThisHistory"/>: the position is the cursor of the channel from before
    /// this history's first message, with nothing lost since (each engine knows what that takes).
    /// </summary>
    public static (long From, ChannelGap? Gap) Normalize(ChannelPosition position, Epoch epoch, long lastSeq, long firstSeq,
        bool latestOnly, bool emptyCursorOfThisHistory)
    {
        var keptFrom = firstSeq - 1;
        if (position.Epoch == epoch)
        {
            if (position.Seq > lastSeq)
            {
                // A position this history never reached cannot be trusted: start over, loudly.
                return (keptFrom, new ChannelGap(position.Channel, GapReason.Reset, null));
            }
            if (position.Seq < keptFrom && latestOnly && keptFrom == lastSeq - 1)
            {
                // Older states of a latest-value channel were superseded by the one still kept, not lost.
                return (keptFrom, null);
            }
            if (position.Seq < keptFrom)
            {
                return (keptFrom, new ChannelGap(position.Channel, GapReason.Evicted, keptFrom - position.Seq));
            }
            return (position.Seq, null);
        }
        if (emptyCursorOfThisHistory)
        {
            // As above: a latest-value channel's earlier states were superseded, not lost.
            return keptFrom > 0 && !(latestOnly && keptFrom == lastSeq - 1)
                ? (keptFrom, new ChannelGap(position.Channel, GapReason.Evicted, keptFrom))
                : (0, null);
        }
        return (keptFrom, new ChannelGap(position.Channel, GapReason.Reset, null));
    }

    /// <summary>
    /// Where a subscription without a cursor starts: <paramref name="start"/>'s count of newest messages back from
    /// <paramref name="lastSeq"/>, never behind the oldest kept. A latest-value channel's newest message is its current
    /// state, so a new subscriber gets it at once.
    /// </summary>
    public static long StartSeq(StartPoint start, long firstSeq, long lastSeq, bool latestOnly)
    {
        var last = latestOnly ? Math.Max(start.Last, 1) : start.Last;
        return Math.Max(firstSeq - 1, lastSeq - Math.Min(last, lastSeq));
    }

    /// <summary>What a message counts against a history's byte bound in a shared store: its payload and event name as stored.</summary>
    public static int StoredSize(PublishRequest request) => request.Payload.Size + (request.Event?.Length ?? 0);

    /// <summary>Merges per-channel lists by publish order, keeps the first <paramref name="max"/>, and moves each channel's position to its last kept message.</summary>
    public static List<HarkMessage> Merge(List<HarkMessage>[] found, int total, int max, ChannelPosition[] positions)
    {
        var all = new List<HarkMessage>(total);
        foreach (var list in found)
        {
            all.AddRange(list);
        }
        all.Sort(static (a, b) => a.Order.CompareTo(b.Order));
        if (all.Count <= max)
        {
            return all;
        }
        all.RemoveRange(max, all.Count - max);
        var cut = all[^1].Order;
        for (var i = 0; i < found.Length; i++)
        {
            if (found[i].Count == 0)
            {
                continue;
            }
            // This channel's position moves to the last of its messages that made the cut,
            // or to just before its first one when none did.
            var kept = found[i].FindLastIndex(m => m.Order <= cut);
            positions[i] = kept >= 0 ? found[i][kept].Position : positions[i] with { Seq = found[i][0].Seq - 1 };
        }
        return all;
    }
}
