using Hark.Internal;

namespace Hark.Memory;

internal sealed partial class MemoryEngine
{
    /// <summary>A channel's state as reads see it, whether it is live or only remembered.</summary>
    private readonly record struct ChannelState(Epoch Epoch, long LastSeq, long FirstSeq, long ResetStamp, bool LatestOnly = false);

    public ValueTask<IReadOnlyList<ChannelPosition>> GetStartAsync(IReadOnlyList<string> channels, StartPoint start, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channels);
        // Read the stamp before looking: any history created after this read gets a later stamp,
        // so an empty-channel cursor made from it stays valid when that history's first message comes.
        var issuedAt = Volatile.Read(ref _stamp);
        var positions = new ChannelPosition[channels.Count];
        for (var i = 0; i < channels.Count; i++)
        {
            var name = channels[i];
            if (TryGetLive(name, out var live))
            {
                lock (live.Gate)
                {
                    // Dead is checked again under the lock: a channel dropped or deleted since the lookup
                    // speaks through its tombstone now.
                    if (!live.Dead)
                    {
                        EvictAged(live);
                        positions[i] = new ChannelPosition(name, live.Epoch, HistoryWindow.StartSeq(start, live.FirstSeq, live.LastSeq, live.LatestOnly));
                        continue;
                    }
                }
            }
            var state = Remembered(name, issuedAt);
            positions[i] = new ChannelPosition(name, state.Epoch, state.LastSeq);
        }
        return ValueTask.FromResult<IReadOnlyList<ChannelPosition>>(positions);
    }

    public ValueTask<ReadBatch> ReadAsync(IReadOnlyList<ChannelPosition> after, int max, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(after);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        var issuedAt = Volatile.Read(ref _stamp);
        var found = new List<HarkMessage>[after.Count];
        var positions = new ChannelPosition[after.Count];
        List<ChannelGap>? gaps = null;
        var total = 0;
        for (var i = 0; i < after.Count; i++)
        {
            var position = after[i];
            var list = found[i] = [];
            ChannelState state;
            var read = false;
            if (TryGetLive(position.Channel, out var live))
            {
                lock (live.Gate)
                {
                    if (!live.Dead)
                    {
                        EvictAged(live);
                        state = StateOf(live);
                        var (from, gap) = Normalize(state, position);
                        if (gap is not null)
                        {
                            (gaps ??= []).Add(gap);
                        }
                        CopyAfter(live, from, max, list);
                        positions[i] = Advance(position, state, from, gap, list);
                        read = true;
                    }
                }
            }
            if (!read)
            {
                state = Remembered(position.Channel, issuedAt);
                var (from, gap) = Normalize(state, position);
                if (gap is not null)
                {
                    (gaps ??= []).Add(gap);
                }
                positions[i] = Advance(position, state, from, gap, list);
            }
            total += list.Count;
        }
        var messages = after.Count == 1 ? found[0] : HistoryWindow.Merge(found, total, max, positions);
        return ValueTask.FromResult(new ReadBatch(messages, positions, gaps ?? (IReadOnlyList<ChannelGap>)[]));
    }

    private static ChannelPosition Advance(ChannelPosition requested, ChannelState state, long from, ChannelGap? gap, List<HarkMessage> list)
    {
        if (list.Count > 0)
        {
            return list[^1].Position;
        }
        // Nothing new and no gap: the same cursor comes back, unchanged, as the protocol promises.
        return gap is null ? requested : new ChannelPosition(requested.Channel, state.Epoch, from);
    }

    private static void CopyAfter(MemoryChannel channel, long from, int max, List<HarkMessage> into)
    {
        var history = channel.History;
        var start = (int)(from + 1 - channel.FirstSeq);
        for (var i = Math.Max(start, 0); i < history.Count && into.Count < max; i++)
        {
            into.Add(history[i]);
        }
    }

    /// <summary>Maps a requested position onto the channel's current history (see <see cref="HistoryWindow.Normalize"/>).</summary>
    private (long From, ChannelGap? Gap) Normalize(ChannelState state, ChannelPosition position) =>
        HistoryWindow.Normalize(position, state.Epoch, state.LastSeq, state.FirstSeq, state.LatestOnly,
            // The cursor of a channel that was empty when it was issued, and this history began after that
            // with no delete or forgotten tombstone in between: nothing was lost.
            position.Seq == 0
            && position.Epoch.Instance == Instance
            && position.Epoch.Stamp <= state.Epoch.Stamp
            && state.ResetStamp <= position.Epoch.Stamp
            && ForgottenStamp(position.Channel) <= position.Epoch.Stamp);

    private bool TryGetLive(string name, out MemoryChannel live) =>
        _channels.TryGetValue(name, out live!) && !live.Dead;

    private static ChannelState StateOf(MemoryChannel live) => new(live.Epoch, live.LastSeq, live.FirstSeq, live.ResetStamp, live.LatestOnly);

    /// <summary>The state of a channel with no live object: from its tombstone, or a fresh empty history.</summary>
    private ChannelState Remembered(string name, long issuedAt)
    {
        var stone = _tombstones.Find(name);
        return stone is { Deleted: false }
            ? new ChannelState(stone.Epoch, stone.LastSeq, stone.LastSeq + 1, stone.ResetStamp)
            : new ChannelState(new Epoch(Instance, issuedAt), 0, 1, stone?.ResetStamp ?? 0);
    }

    private void EvictAged(MemoryChannel live)
    {
        if (live.History.Count > 0)
        {
            var evicted = live.History.EvictOlderThan(_time.GetUtcNow() - _options.MaxAge);
            if (evicted > 0)
            {
                Interlocked.Add(ref _historyBytes, -evicted);
            }
        }
    }
}
