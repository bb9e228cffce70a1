using System.Collections.Concurrent;

namespace Hark.Memory;

/// <summary>
/// The embedded engine: every channel's history in this process's memory. Epochs carry this
/// instance's start time, so after a restart every old cursor reads as a gap, never as a wrong position.
/// </summary>
internal sealed partial class MemoryEngine : IHarkEngine, IDisposable
{
    private readonly ConcurrentDictionary<string, MemoryChannel> _channels = new(StringComparer.Ordinal);
    private readonly TombstoneTable _tombstones;
    private readonly HistoryOptions _options;
    private readonly EngineLimits _limits;
    private readonly TimeProvider _time;
    private readonly ITimer _sweepTimer;
    private IChannelChangeListener _changes = NoChangeListener.Instance;

    // Every event that changes which history a name refers to (a channel created, deleted, or a
    // tombstone forgotten) takes the next stamp; cursors of empty channels carry the stamp they were
    // issued at, so the engine can tell whether anything could have been lost since.
    private long _stamp;

    // For each bucket of channel names (by hash), the latest history stamp whose tombstone was forgotten:
    // an empty-channel cursor issued before it may have missed that history's messages. Per bucket rather
    // than one global value, so forgetting one channel does not turn every other empty cursor into a gap.
    private readonly long[] _forgotten = new long[4096];
    private long _order;
    private long _channelCount;
    private long _historyBytes;

    public MemoryEngine(HistoryOptions options, TimeProvider time)
        : this(options, EngineLimits.Default, time)
    {
    }

    public MemoryEngine(HistoryOptions options, EngineLimits limits, TimeProvider time)
    {
        _options = options;
        _limits = limits;
        _time = time;
        _tombstones = new TombstoneTable(options.MaxTombstones, Forgetting);
        Instance = time.GetUtcNow().ToUnixTimeMilliseconds();
        _sweepTimer = time.CreateTimer(static s => ((MemoryEngine)s!).Sweep(), this, options.SweepInterval, options.SweepInterval);
    }

    /// <summary>This instance's part of every epoch it makes.</summary>
    public long Instance { get; }

    public long ChannelCount => Interlocked.Read(ref _channelCount);

    public long HistoryBytes => Interlocked.Read(ref _historyBytes);

    internal int TombstoneCount => _tombstones.Count;

    public void Attach(IChannelChangeListener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        Volatile.Write(ref _changes, listener);
    }

    public ValueTask<PublishResult> PublishAsync(PublishRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (result, message) = Append(request);
        if (message is null)
        {
            return ValueTask.FromResult(result);
        }
        // Reported once the message is in history and the channel's lock is released: whoever is woken reads it.
        var woken = _changes.Appended(message.Channel, [message]);
        return ValueTask.FromResult(woken == 0 ? result : result with { Subscribers = woken });
    }

    public ValueTask<IReadOnlyList<PublishResult>> PublishBatchAsync(IReadOnlyList<PublishRequest> requests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var results = new PublishResult[requests.Count];
        // Each channel is reported once, after its last message of the batch: its waiters read them all in one go.
        // Its waiters are counted on its first published item.
        var newest = new Dictionary<string, (int First, HarkMessage Last)>(StringComparer.Ordinal);
        try
        {
            for (var i = 0; i < requests.Count; i++)
            {
                var (result, message) = Append(requests[i]);
                results[i] = result;
                if (message is not null)
                {
                    newest[message.Channel] = newest.TryGetValue(message.Channel, out var seen) ? (seen.First, message) : (i, message);
                }
            }
        }
        finally
        {
            foreach (var (first, last) in newest.Values)
            {
                var woken = _changes.Appended(last.Channel, last.Epoch, last.Seq);
                if (results[first] is { } r)
                {
                    results[first] = r with { Subscribers = woken };
                }
            }
        }
        return ValueTask.FromResult<IReadOnlyList<PublishResult>>(results);
    }

    /// <summary>Appends the message to its channel's history; the message is null when a stale version published nothing.</summary>
    private (PublishResult Result, HarkMessage? Message) Append(PublishRequest request)
    {
        if (!ChannelName.IsValid(request.Channel))
        {
            throw new ArgumentException($"Invalid channel name '{request.Channel}'.", nameof(request));
        }
        while (true)
        {
            var channel = GetOrCreate(request.Channel);
            HarkMessage message;
            lock (channel.Gate)
            {
                if (channel.Dead)
                {
                    continue;
                }
                if (request.Version is { } version && channel.LastVersion >= version)
                {
                    return (new PublishResult(channel.Name, channel.LastSeq, Cursor.Format(channel.Epoch, channel.LastSeq), 0)
                    {
                        Stale = true,
                        Version = channel.LastVersion,
                    }, null);
                }
                var now = _time.GetUtcNow();
                var evicted = channel.History.EvictOlderThan(now - _options.MaxAge);
                if (evicted > 0)
                {
                    Interlocked.Add(ref _historyBytes, -evicted);
                    evicted = 0;
                }
                if (Interlocked.Read(ref _historyBytes) + request.Payload.Size > _limits.MaxHistoryBytes)
                {
                    throw new HarkLimitException("history", $"The server holds {_limits.MaxHistoryBytes} bytes of history, its limit; try again when older messages have expired.");
                }
                message = new HarkMessage(channel.Name, channel.Epoch, channel.LastSeq + 1, now, request.Event, request.Payload,
                    Interlocked.Increment(ref _order), request.Version, request.TraceParent);
                channel.LastSeq = message.Seq;
                channel.LastVersion = request.Version ?? channel.LastVersion;
                evicted += channel.History.Append(message, channel.LatestOnly ? 1 : _options.MaxMessages, _options.MaxBytes);
                Interlocked.Add(ref _historyBytes, message.Size - evicted);
                return (new PublishResult(message.Channel, message.Seq, message.Cursor, 0) { Version = channel.LastVersion }, message);
            }
        }
    }

    public ValueTask<ChannelInfo?> GetChannelAsync(string channel, CancellationToken cancellationToken)
    {
        if (_channels.TryGetValue(channel, out var live))
        {
            lock (live.Gate)
            {
                if (!live.Dead)
                {
                    EvictAged(live);
                    return ValueTask.FromResult<ChannelInfo?>(new ChannelInfo(
                        live.Name, live.History.Count, live.History.Bytes, live.FirstSeq, live.LastSeq,
                        Cursor.Format(live.Epoch, live.LastSeq), 0, live.History.Newest?.Time));
                }
            }
        }
        if (_tombstones.Find(channel) is { Deleted: false } stone)
        {
            return ValueTask.FromResult<ChannelInfo?>(new ChannelInfo(
                channel, 0, 0, stone.LastSeq + 1, stone.LastSeq, Cursor.Format(stone.Epoch, stone.LastSeq), 0, null));
        }
        return ValueTask.FromResult<ChannelInfo?>(null);
    }

    public ValueTask<bool> DeleteChannelAsync(string channel, CancellationToken cancellationToken)
    {
        long? deletedAt = null;
        if (_channels.TryGetValue(channel, out var live))
        {
            lock (live.Gate)
            {
                if (!live.Dead)
                {
                    deletedAt = Interlocked.Increment(ref _stamp);
                    RememberTombstone(channel, new Tombstone(live.Epoch, 0, deletedAt.Value, Deleted: true));
                    live.Dead = true;
                    Interlocked.Add(ref _historyBytes, -live.History.Clear());
                }
            }
            Unlist(live);
        }
        if (deletedAt is null && _tombstones.Find(channel) is { Deleted: false } stone)
        {
            var stamp = Interlocked.Increment(ref _stamp);
            if (!_tombstones.TryReplace(channel, stone, new Tombstone(default, 0, stamp, Deleted: true)))
            {
                // A subscriber or publisher revived the channel meanwhile: delete the live one.
                return DeleteChannelAsync(channel, cancellationToken);
            }
            deletedAt = stamp;
        }
        if (deletedAt is not { } at)
        {
            return ValueTask.FromResult(false);
        }
        // Every waiter whose cursor was issued before the delete is answered as closed; one issued after it (its
        // epoch carries a later stamp of this instance) was not subscribed to the deleted history.
        _changes.Deleted(channel, p => !(p.Epoch.Instance == Instance && p.Epoch.Stamp >= at));
        return ValueTask.FromResult(true);
    }

    private MemoryChannel GetOrCreate(string name)
    {
        while (true)
        {
            if (_channels.TryGetValue(name, out var existing))
            {
                if (!existing.Dead)
                {
                    return existing;
                }
                // Help a drop or delete that has marked it but not yet unlisted it.
                Unlist(existing);
                continue;
            }
            if (Interlocked.Read(ref _channelCount) >= _limits.MaxChannels)
            {
                throw new HarkLimitException("channels", $"The server holds {_limits.MaxChannels} channels, its limit.");
            }
            var stone = _tombstones.Find(name);
            // Claim the tombstone before the channel becomes visible, so two creators (or a creator and a
            // delete) can never both act on it: the loser looks again.
            if (stone is not null && !_tombstones.TryTake(name, stone))
            {
                continue;
            }
            var latestOnly = _options.IsLatestValue(name);
            var created = stone is { Deleted: false }
                ? new MemoryChannel(name, stone.Epoch, stone.LastSeq, stone.ResetStamp, latestOnly)
                : new MemoryChannel(name, new Epoch(Instance, Interlocked.Increment(ref _stamp)), 0, stone?.ResetStamp ?? 0, latestOnly);
            if (_channels.TryAdd(name, created))
            {
                Interlocked.Increment(ref _channelCount);
                return created;
            }
            if (stone is not null)
            {
                _tombstones.Restore(name, stone);
            }
        }
    }

    private void Unlist(MemoryChannel channel)
    {
        if (_channels.TryRemove(new KeyValuePair<string, MemoryChannel>(channel.Name, channel)))
        {
            Interlocked.Decrement(ref _channelCount);
        }
    }

    private void RememberTombstone(string name, Tombstone stone) => _tombstones.Set(name, stone);

    private void Forgetting(string name, Tombstone stone)
    {
        ref var slot = ref _forgotten[ForgottenBucket(name)];
        var lost = Math.Max(stone.Epoch.Stamp, stone.ResetStamp);
        long seen;
        while ((seen = Volatile.Read(ref slot)) < lost && Interlocked.CompareExchange(ref slot, lost, seen) != seen)
        {
        }
    }

    internal static int ForgottenBucket(string name) => (int)((uint)name.GetHashCode() % 4096);

    /// <summary>The latest stamp of a forgotten history that may have shared this channel's name.</summary>
    private long ForgottenStamp(string name) => Volatile.Read(ref _forgotten[ForgottenBucket(name)]);

    public void Dispose() => _sweepTimer.Dispose();
}
