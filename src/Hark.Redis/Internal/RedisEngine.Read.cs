using System.Globalization;
using Hark.Internal;
using StackExchange.Redis;

namespace Hark.Redis.Internal;

/// <summary>The engine's reads: every one is one script call for all the channels it names.</summary>
internal sealed partial class RedisEngine
{
    private long _storeReads;

    /// <summary>Read scripts sent to Redis (tests check that a fan-out costs one).</summary>
    internal long StoreReads => Interlocked.Read(ref _storeReads);

    public async ValueTask<IReadOnlyList<ChannelPosition>> GetStartAsync(IReadOnlyList<string> channels, StartPoint start, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channels);
        var (instance, issued, rows) = await ReadRowsAsync([.. channels.Select(c => new ChannelPosition(c, default, 0))], 0, false, cancellationToken);
        var positions = new ChannelPosition[channels.Count];
        for (var i = 0; i < channels.Count; i++)
        {
            positions[i] = HistoryOf(channels[i], instance, issued, rows[i]).Start(channels[i], start);
        }
        return positions;
    }

    public async ValueTask<ReadBatch> ReadAsync(IReadOnlyList<ChannelPosition> after, int max, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(after);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        var (instance, issued, rows) = await ReadRowsAsync(after, max, false, cancellationToken);
        var found = new List<HarkMessage>[after.Count];
        var positions = new ChannelPosition[after.Count];
        List<ChannelGap>? gaps = null;
        for (var i = 0; i < after.Count; i++)
        {
            var position = after[i];
            var row = rows[i];
            var h = HistoryOf(position.Channel, instance, issued, row);
            var (from, gap) = h.Normalize(position);
            if (gap is not null)
            {
                (gaps ??= []).Add(gap);
            }
            var list = found[i] = [];
            for (var k = 0; k < row.Entries.Length && list.Count < max; k++)
            {
                var seq = row.EntriesFrom + k;
                if (seq > from)
                {
                    list.Add(StoredEntry.Decode(position.Channel, h.Epoch, seq, row.Entries[k]));
                }
            }
            positions[i] = list.Count > 0 ? list[^1].Position : gap is null ? position : new ChannelPosition(position.Channel, h.Epoch, from);
        }
        var messages = after.Count == 1 ? found[0] : HistoryWindow.Merge(found, found.Sum(l => l.Count), max, positions);
        return new ReadBatch(messages, positions, gaps ?? (IReadOnlyList<ChannelGap>)[]);
    }

    public async ValueTask<ChannelInfo?> GetChannelAsync(string channel, CancellationToken cancellationToken)
    {
        var (instance, _, rows) = await ReadRowsAsync([new ChannelPosition(channel, default, 0)], 0, true, cancellationToken);
        var row = rows[0];
        // A deleted channel is unknown, as after a delete on the memory engine.
        if (row.EpochStamp is not { } stamp)
        {
            return null;
        }
        return new ChannelInfo(channel, (int)(row.LastSeq - row.FirstSeq + 1), row.Bytes, row.FirstSeq, row.LastSeq,
            Cursor.Format(new Epoch(instance, stamp), row.LastSeq), 0,
            row.Newest is { } newest ? DateTimeOffset.UnixEpoch.AddTicks(newest * 10) : null);
    }

    private StoredHistory HistoryOf(string channel, long instance, long issued, ChannelRow row) =>
        StoredHistory.Of(instance, row.EpochStamp, row.LastSeq, row.FirstSeq, issued, row.ResetStamp, _history.IsLatestValue(channel));

    /// <summary>One round trip for every channel of the read: states, bounds applied, and up to <paramref name="limit"/> entries each.</summary>
    private async Task<(long Instance, long Issued, ChannelRow[] Rows)> ReadRowsAsync(IReadOnlyList<ChannelPosition> after, int limit, bool withNewest,
        CancellationToken cancellationToken)
    {
        await StartAsync(cancellationToken);
        var keys = new RedisKey[2 + 2 * after.Count];
        keys[0] = _instanceKey;
        keys[1] = _clockKey;
        var args = new RedisValue[5 + 5 * after.Count];
        args[0] = InstanceCandidate();
        args[1] = Cutoff;
        args[2] = _history.MaxBytes;
        args[3] = StateTtl;
        args[4] = withNewest ? "1" : "0";
        for (var i = 0; i < after.Count; i++)
        {
            var p = after[i];
            keys[2 + 2 * i] = StateKey(p.Channel);
            keys[3 + 2 * i] = HistoryKey(p.Channel);
            args[5 + 5 * i] = MaxMessages(p.Channel);
            args[6 + 5 * i] = p.Epoch.Instance.ToString(CultureInfo.InvariantCulture);
            args[7 + 5 * i] = p.Epoch.Stamp.ToString(CultureInfo.InvariantCulture);
            args[8 + 5 * i] = p.Seq;
            args[9 + 5 * i] = limit;
        }
        Interlocked.Increment(ref _storeReads);
        RedisResult[] result;
        try
        {
            result = (RedisResult[])(await Database.ScriptEvaluateAsync(Scripts.Read, keys, args))!;
        }
        catch (Exception e) when (RedisErrors.IsUnavailable(e))
        {
            throw RedisErrors.Unavailable(e);
        }
        var instance = Observe(result[0]);
        var issued = (long)result[1];
        Saw(issued);
        var rows = new ChannelRow[after.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            var r = (RedisResult[])result[2 + i]!;
            var epoch = (string?)r[0];
            var last = (long)r[1];
            var count = (long)r[5];
            var entries = new byte[r.Length - 7][];
            for (var k = 0; k < entries.Length; k++)
            {
                entries[k] = (byte[])r[7 + k]!;
            }
            rows[i] = new ChannelRow(string.IsNullOrEmpty(epoch) ? null : long.Parse(epoch, NumberStyles.None, CultureInfo.InvariantCulture),
                last, last - count + 1, (long)r[2], (long)r[3], (long)r[4], (string?)r[6] is { Length: > 0 } newest ? long.Parse(newest, NumberStyles.None, CultureInfo.InvariantCulture) : null,
                entries);
        }
        return (instance, issued, rows);
    }
}
