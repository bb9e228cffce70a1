using Hark.Internal;

namespace Hark.Postgres.Internal;

internal sealed partial class PostgresEngine
{
    /// <summary>The tracked channel of this name, made when missing.</summary>
    private TrackedChannel Track(string name)
    {
        while (true)
        {
            var channel = _channels.GetOrAdd(name, static (n, history) => new TrackedChannel(n) { LatestOnly = history.IsLatestValue(n) }, _history);
            lock (channel.Gate)
            {
                if (!channel.Dead)
                {
                    channel.LastUsed = _time.GetTimestamp();
                    return channel;
                }
            }
            _channels.TryRemove(new KeyValuePair<string, TrackedChannel>(name, channel));
        }
    }

    /// <summary>
    /// Takes in a state (and, when known, messages of it) heard from a read, a publish or a notification.
    /// A newer history than the cached one empties the cache; a newer position is reported to the hub, which wakes
    /// the waiters behind it, and a delete is reported as one. Returns how many waiters the report woke.
    /// </summary>
    private int Apply(string name, ChannelState state, IReadOnlyList<CachedMessage>? messages, long? confirmedGeneration = null)
    {
        if (!_channels.TryGetValue(name, out var channel))
        {
            return 0;
        }
        var report = ChannelReport.None;
        lock (channel.Gate)
        {
            var known = channel.Known;
            if (state.IsNewerThan(known))
            {
                var deleted = state.Epoch is null && state.ResetStamp > known.ResetStamp;
                if (state.Epoch != known.Epoch)
                {
                    channel.Cache.Clear();
                }
                channel.Known = state with { ResetStamp = Math.Max(state.ResetStamp, known.ResetStamp) };
                report = deleted ? ChannelReport.Deleted : state.Epoch is null ? ChannelReport.None : ChannelReport.Appended;
            }
            else if (state.ResetStamp > known.ResetStamp)
            {
                channel.Known = known with { ResetStamp = state.ResetStamp };
            }
            if (confirmedGeneration is { } generation)
            {
                channel.Generation = generation;
            }
            if (messages is not null)
            {
                AddToCache(channel, messages);
            }
        }
        // Reported outside the lock, once the cache holds what was heard: whoever is woken reads it from there.
        return report switch
        {
            // Every waiter whose cursor is from before the delete is answered as closed.
            ChannelReport.Deleted => _changes.Deleted(name, p => StoredHistory.ClosedByDelete(p, Instance, state.ResetStamp)),
            ChannelReport.Appended => _changes.Appended(name, state.Epoch!.Value, state.LastSeq),
            _ => 0,
        };
    }

    private enum ChannelReport { None, Appended, Deleted }

    /// <summary>Appends the messages that continue the cache (or start it); keeps the newest few.</summary>
    private void AddToCache(TrackedChannel channel, IReadOnlyList<CachedMessage> messages)
    {
        var epoch = channel.Known.Epoch;
        foreach (var m in messages)
        {
            if (m.Message.Epoch != epoch || m.Message.Seq > channel.Known.LastSeq)
            {
                continue;
            }
            if (channel.Cache.Count > 0 && m.Message.Seq != channel.CacheLast + 1)
            {
                if (m.Message.Seq <= channel.CacheLast)
                {
                    continue;
                }
                // A hole: what is cached can no longer be continued, so start again from here.
                channel.Cache.Clear();
            }
            channel.Cache.Add(m);
        }
        // A latest-value channel's window holds only its newest message: so does its cache.
        var excess = channel.Cache.Count - (channel.LatestOnly ? 1 : Math.Max(1, _options.CacheMessagesPerChannel));
        if (excess > 0)
        {
            channel.Cache.RemoveRange(0, excess);
        }
    }

    /// <summary>Whether the channel's known state is confirmed by the database since the current LISTEN began.</summary>
    private bool IsFresh(TrackedChannel channel) =>
        Volatile.Read(ref _listeningNow) && channel.Generation == Volatile.Read(ref _generation);

    /// <summary>
    /// Confirms a channel's state with the database in the background: a read that found nothing new from what this
    /// node knew, unconfirmed since it began listening, may have missed a publish whose notification was lost. What
    /// the database says is reported to the hub. If it cannot answer now, the catch-up after LISTEN reads it again.
    /// </summary>
    private void ConfirmLater(TrackedChannel channel) => _ = ConfirmQuietlyAsync(channel);

    private async Task ConfirmQuietlyAsync(TrackedChannel channel)
    {
        try
        {
            await RefreshAsync(channel, _stopping.Token);
        }
        catch (Exception e) when (e is HarkUnavailableException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Reads the channel's state from the database, once for every caller that needs it at the same time.</summary>
    private Task RefreshAsync(TrackedChannel channel, CancellationToken cancellationToken)
    {
        Task refresh;
        lock (channel.Gate)
        {
            if (channel.Refreshing is null || channel.Refreshing.IsCompleted)
            {
                channel.Refreshing = RefreshCoreAsync(channel);
            }
            refresh = channel.Refreshing;
        }
        return refresh.WaitAsync(cancellationToken);
    }

    private async Task RefreshCoreAsync(TrackedChannel channel)
    {
        await Task.Yield();
        var generation = Volatile.Read(ref _generation);
        var states = await ReadStatesAsync([channel.Name], _stopping.Token);
        Apply(channel.Name, states.GetValueOrDefault(channel.Name, ChannelState.None), null, generation);
    }

    /// <summary>
    /// After a write whose outcome is unknown: marks the channel unconfirmed (the next wait reads its state) and
    /// reads it in the background, retrying until the database answers, so held waiters hear of a lost answer's commit.
    /// </summary>
    private void Recheck(string name)
    {
        if (!_channels.TryGetValue(name, out var channel))
        {
            return;
        }
        lock (channel.Gate)
        {
            channel.Generation = Math.Min(channel.Generation, -2);
        }
        _ = RecheckAsync(channel);
    }

    private async Task RecheckAsync(TrackedChannel channel)
    {
        for (var delay = TimeSpan.FromMilliseconds(200); !_stopping.IsCancellationRequested; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxReconnectDelay.Ticks)))
        {
            try
            {
                await RefreshAsync(channel, _stopping.Token);
                return;
            }
            catch (Exception e) when (e is HarkUnavailableException or OperationCanceledException or ObjectDisposedException)
            {
            }
            try
            {
                await Task.Delay(delay, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Drops channels nobody waits on that were not used lately, and trims the database's history.</summary>
    internal void Sweep()
    {
        var now = _time.GetTimestamp();
        foreach (var (name, channel) in _channels)
        {
            if (_changes.IsWatched(name))
            {
                continue;
            }
            lock (channel.Gate)
            {
                if (_time.GetElapsedTime(channel.LastUsed, now) < _options.IdleChannelTimeout)
                {
                    continue;
                }
                channel.Dead = true;
            }
            _channels.TryRemove(new KeyValuePair<string, TrackedChannel>(name, channel));
        }
        if (Interlocked.Exchange(ref _trimming, 1) == 0)
        {
            _ = TrimAsync();
        }
    }
}
