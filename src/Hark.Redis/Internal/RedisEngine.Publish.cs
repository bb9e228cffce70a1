using System.Globalization;
using Hark.Internal;
using StackExchange.Redis;

namespace Hark.Redis.Internal;

internal sealed partial class RedisEngine
{
    public async ValueTask<PublishResult> PublishAsync(PublishRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return (await PublishBatchAsync([request], cancellationToken))[0];
    }

    /// <summary>One script, one round trip, whatever the batch holds: Redis runs it as one step.</summary>
    public async ValueTask<IReadOnlyList<PublishResult>> PublishBatchAsync(IReadOnlyList<PublishRequest> requests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        if (requests.Count == 0)
        {
            return [];
        }
        var channels = new List<string>();
        var keys = new List<RedisKey> { _instanceKey, _clockKey };
        var args = new List<RedisValue>
        {
            InstanceCandidate(), Cutoff, _history.MaxBytes, _wakeChannel.ToString(), _node, StateTtl, HistoryTtl, requests.Count,
        };
        var now = StoredEntry.Micros(_time.GetUtcNow());
        foreach (var r in requests)
        {
            if (!ChannelName.IsValid(r.Channel))
            {
                throw new ArgumentException($"Invalid channel name '{r.Channel}'.", nameof(requests));
            }
            var index = channels.IndexOf(r.Channel);
            if (index < 0)
            {
                index = channels.Count;
                channels.Add(r.Channel);
                keys.Add(StateKey(r.Channel));
                keys.Add(HistoryKey(r.Channel));
            }
            args.AddRange([index + 1, r.Channel, MaxMessages(r.Channel), r.Version is { } v ? SortableVersion(v) : "", StoredEntry.Encode(r, now)]);
        }
        await StartAsync(cancellationToken);
        RedisResult[] rows;
        try
        {
            rows = (RedisResult[])(await Database.ScriptEvaluateAsync(_sharded ? Scripts.PublishSharded : Scripts.Publish, [.. keys], [.. args]))!;
        }
        catch (Exception e) when (RedisErrors.IsUnavailable(e))
        {
            // It may have run with the answer lost; then only this node's waiters missed it (its own wake-up is
            // skipped), so the channels are read again once Redis answers.
            CatchUpLater(channels);
            throw RedisErrors.Unavailable(e);
        }
        var instance = Observe(rows[0]);

        // Run: tell this node's waiters now, once per channel (the wake-up that comes back to this node is skipped). A
        // channel someone here waits on gets the messages as a read would return them, so those right before them need
        // no read; for one nobody waits on, no message is built. A channel's waiters are counted on its first published
        // item; a stale item woke no one.
        var results = new PublishResult[requests.Count];
        var published = new Dictionary<string, (Epoch Epoch, long Seq, List<HarkMessage>? Messages)>(StringComparer.Ordinal);
        var time = DateTimeOffset.UnixEpoch.AddTicks(now * 10);
        for (var i = 0; i < requests.Count; i++)
        {
            var row = (RedisResult[])rows[i + 1]!;
            var request = requests[i];
            var epoch = new Epoch(instance, Number(row[0]));
            var seq = (long)row[1];
            var order = (long)row[2];
            var stale = order == 0;
            Saw(order);
            var highest = (string?)row[3] is { Length: > 0 } sortable ? VersionOf(sortable) : (long?)null;
            if (!stale)
            {
                var messages = published.TryGetValue(request.Channel, out var before) ? before.Messages
                    : _changes.IsWatched(request.Channel) ? [] : null;
                messages?.Add(new HarkMessage(request.Channel, epoch, seq, time, request.Event, request.Payload, order, request.Version, request.TraceParent));
                published[request.Channel] = (epoch, seq, messages);
            }
            results[i] = new PublishResult(request.Channel, seq, Cursor.Format(epoch, seq), 0) { Stale = stale, Version = highest };
        }
        var counted = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < requests.Count; i++)
        {
            if (!results[i].Stale && counted.Add(results[i].Channel))
            {
                var (epoch, seq, messages) = published[results[i].Channel];
                var woken = messages is null ? _changes.Appended(results[i].Channel, epoch, seq) : _changes.Appended(results[i].Channel, messages);
                results[i] = results[i] with { Subscribers = woken };
            }
        }
        return results;
    }

    public async ValueTask<bool> DeleteChannelAsync(string channel, CancellationToken cancellationToken)
    {
        await StartAsync(cancellationToken);
        RedisResult[] row;
        try
        {
            row = (RedisResult[])(await Database.ScriptEvaluateAsync(_sharded ? Scripts.DeleteSharded : Scripts.Delete,
                [_instanceKey, _clockKey, StateKey(channel), HistoryKey(channel)],
                [InstanceCandidate(), _wakeChannel.ToString(), _node, channel, StateTtl]))!;
        }
        catch (Exception e) when (RedisErrors.IsUnavailable(e))
        {
            CatchUpLater([channel]);
            throw RedisErrors.Unavailable(e);
        }
        var instance = Observe(row[0]);
        var stamp = (long)row[1];
        Saw(stamp);
        if (stamp == 0)
        {
            return false;
        }
        _changes.Deleted(channel, p => StoredHistory.ClosedByDelete(p, instance, stamp));
        return true;
    }

    /// <summary>A version as a string that sorts as the number does (offset binary, 20 digits), for the script's comparison.</summary>
    private static string SortableVersion(long version) =>
        ((ulong)version ^ 0x8000_0000_0000_0000UL).ToString("D20", CultureInfo.InvariantCulture);

    private static long VersionOf(string sortable) =>
        (long)(ulong.Parse(sortable, NumberStyles.None, CultureInfo.InvariantCulture) ^ 0x8000_0000_0000_0000UL);

    private static long Number(RedisResult value) => long.Parse((string)value!, NumberStyles.None, CultureInfo.InvariantCulture);
}
