using Hark.Internal;

namespace Hark.Postgres.Internal;

internal sealed partial class PostgresEngine
{
    private long _databaseReads;

    /// <summary>Message reads sent to the database (tests check that a fan-out costs one).</summary>
    internal long DatabaseReads => Interlocked.Read(ref _databaseReads);

    public async ValueTask<IReadOnlyList<ChannelPosition>> GetStartAsync(IReadOnlyList<string> channels, StartPoint start, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channels);
        await StartAsync(cancellationToken);
        var generation = Volatile.Read(ref _generation);
        var snapshots = await ReadSnapshotsAsync([.. channels.Select(c => new ChannelPosition(c, default, 0))], 0, cancellationToken);
        var positions = new ChannelPosition[channels.Count];
        for (var i = 0; i < channels.Count; i++)
        {
            var snapshot = snapshots[channels[i]];
            // A new subscription waits next: what was just read confirms the channel's state for that wait.
            Track(channels[i]);
            Apply(channels[i], snapshot.State, null, generation);
            positions[i] = HistoryOf(channels[i], snapshot).Start(channels[i], start);
        }
        return positions;
    }

    public async ValueTask<ReadBatch> ReadAsync(IReadOnlyList<ChannelPosition> after, int max, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(after);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        var found = new List<HarkMessage>[after.Count];
        var positions = new ChannelPosition[after.Count];
        List<ChannelGap>? gaps = null;
        List<ChannelPosition>? fromDatabase = null;
        for (var i = 0; i < after.Count; i++)
        {
            var list = found[i] = [];
            if (await TryReadCachedAsync(after[i], max, list, cancellationToken))
            {
                positions[i] = list.Count > 0 ? list[^1].Position : after[i];
            }
            else
            {
                (fromDatabase ??= []).Add(after[i]);
            }
        }
        if (fromDatabase is not null)
        {
            await StartAsync(cancellationToken);
            var generation = Volatile.Read(ref _generation);
            var snapshots = await ReadSnapshotsAsync(fromDatabase, max, cancellationToken);
            for (var i = 0; i < after.Count; i++)
            {
                if (!snapshots.TryGetValue(after[i].Channel, out var snapshot))
                {
                    continue;
                }
                var position = after[i];
                var h = HistoryOf(position.Channel, snapshot);
                var (from, gap) = h.Normalize(position);
                if (gap is not null)
                {
                    (gaps ??= []).Add(gap);
                }
                var list = found[i];
                list.Clear();
                foreach (var m in snapshot.Messages)
                {
                    if (m.Message.Seq > from && list.Count < max)
                    {
                        list.Add(m.Message);
                    }
                }
                positions[i] = list.Count > 0 ? list[^1].Position : gap is null ? position : new ChannelPosition(position.Channel, h.Epoch, from);
                // A poll that found nothing waits next, and one that found something polls again soon:
                // what was just read confirms the channel's state (and fills its cache) for both.
                Track(position.Channel);
                Apply(position.Channel, snapshot.State, snapshot.Messages, generation);
            }
        }
        var total = found.Sum(l => l.Count);
        var messages = after.Count == 1 ? found[0] : HistoryWindow.Merge(found, total, max, positions);
        return new ReadBatch(messages, positions, gaps ?? (IReadOnlyList<ChannelGap>)[]);
    }

    /// <summary>
    /// Serves a read from the cache when it can answer exactly: same history, nothing evicted between the
    /// cursor and the cache, and the cache reaches the newest message known (one shared database read brings it there).
    /// </summary>
    private async ValueTask<bool> TryReadCachedAsync(ChannelPosition position, int max, List<HarkMessage> into, CancellationToken cancellationToken)
    {
        if (!_channels.TryGetValue(position.Channel, out var channel))
        {
            return false;
        }
        for (var attempt = 0; attempt < 2; attempt++)
        {
            bool fill = false, upToDate = false, confirm = false;
            lock (channel.Gate)
            {
                var known = channel.Known;
                if (known.Epoch is null)
                {
                    // No live history: an empty cursor issued after the last delete has nothing to read (when this
                    // node's knowledge is confirmed); anything else is for the database to answer, gap and all.
                    return IsFresh(channel) && !HasNews(known, position);
                }
                if (known.Epoch is { } epoch && position.Epoch != epoch && IsEmptyCursorOf(position, epoch.Stamp, known.ResetStamp))
                {
                    // The cursor of the channel before its first message: the same as the start of this history.
                    position = new ChannelPosition(position.Channel, epoch, 0);
                }
                if (known.Epoch != position.Epoch || position.Seq > known.LastSeq)
                {
                    return false;
                }
                if (position.Seq == known.LastSeq)
                {
                    // Nothing new; whatever was evicted lies before the cursor. Knowledge not confirmed since LISTEN
                    // began may be old: the subscriber waits on it, and the database is asked meanwhile.
                    upToDate = true;
                    confirm = !IsFresh(channel);
                }
                else if (channel.CacheLast < known.LastSeq && attempt == 0)
                {
                    fill = true;
                }
                else
                {
                    var start = position.Seq + 1 - channel.CacheFirst;
                    if (channel.Cache.Count == 0 || start < 0 || start >= channel.Cache.Count || !InWindow(channel, channel.Cache[(int)start], known))
                    {
                        return false;
                    }
                    channel.LastUsed = _time.GetTimestamp();
                    for (var i = (int)start; i < channel.Cache.Count && into.Count < max; i++)
                    {
                        into.Add(channel.Cache[i].Message);
                    }
                    return true;
                }
            }
            if (upToDate)
            {
                if (confirm)
                {
                    ConfirmLater(channel);
                }
                return true;
            }
            if (fill)
            {
                await FillAsync(channel, position.Seq, cancellationToken);
            }
        }
        return false;
    }

    private bool InWindow(TrackedChannel channel, CachedMessage m, ChannelState state) =>
        m.Message.Seq > state.LastSeq - (channel.LatestOnly ? 1 : _history.MaxMessages)
        && (m.EndBytes - m.Size >= state.TotalBytes - _history.MaxBytes || m.Message.Seq == state.LastSeq)
        && m.Message.Time >= _time.GetUtcNow() - _history.MaxAge;

    /// <summary>Brings the cache up to the newest known message with one database read, shared by all who wait for it.</summary>
    private Task FillAsync(TrackedChannel channel, long after, CancellationToken cancellationToken)
    {
        Task filling;
        lock (channel.Gate)
        {
            if (channel.Filling is null || channel.Filling.IsCompleted)
            {
                var from = channel.Cache.Count > 0 ? channel.CacheLast : Math.Max(after, channel.Known.LastSeq - _options.CacheMessagesPerChannel);
                channel.Filling = FillCoreAsync(channel.Name, new ChannelPosition(channel.Name, channel.Known.Epoch ?? default, from));
            }
            filling = channel.Filling;
        }
        return filling.WaitAsync(cancellationToken);
    }

    private async Task FillCoreAsync(string name, ChannelPosition from)
    {
        await Task.Yield();
        var generation = Volatile.Read(ref _generation);
        var snapshots = await ReadSnapshotsAsync([from], Math.Max(1, _options.CacheMessagesPerChannel), _stopping.Token);
        var snapshot = snapshots[name];
        Apply(name, snapshot.State, snapshot.Messages, generation);
    }

    private StoredHistory HistoryOf(string channel, ChannelSnapshot s) =>
        StoredHistory.Of(Instance, s.State.Epoch?.Stamp, s.State.LastSeq, s.FirstSeq, s.Issued, s.State.ResetStamp, _history.IsLatestValue(channel));

    private bool IsEmptyCursorOf(ChannelPosition position, long epochStamp, long resetStamp) =>
        StoredHistory.IsEmptyCursorOf(position, Instance, epochStamp, resetStamp);

    /// <summary>Whether a read at <paramref name="position"/> would find something (messages or a gap), by what this node knows.</summary>
    private bool HasNews(ChannelState known, ChannelPosition position)
    {
        if (known.Epoch is { } epoch)
        {
            if (position.Epoch == epoch)
            {
                // Behind: messages. Ahead: a cursor this history never reached, or this node lags; the read decides.
                return position.Seq != known.LastSeq;
            }
            return !IsEmptyCursorOf(position, epoch.Stamp, known.ResetStamp) || known.LastSeq > 0;
        }
        // No live history: only an empty cursor issued after the last delete waits quietly.
        return !(position.Seq == 0 && position.Epoch.Instance == Instance && known.ResetStamp <= position.Epoch.Stamp);
    }
}
