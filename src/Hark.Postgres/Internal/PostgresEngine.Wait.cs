using Hark.Internal;

namespace Hark.Postgres.Internal;

internal sealed partial class PostgresEngine
{
    /// <summary>
    /// Registers the waiter on every channel at once (so a publish right after this returns finds it), then,
    /// for channels whose state this node has not confirmed since it began listening, reads the state and
    /// answers at once if the cursor is behind it.
    /// </summary>
    public async ValueTask<WakeResult> WaitAsync(IReadOnlyList<ChannelPosition> after, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(after);
        if (cancellationToken.IsCancellationRequested)
        {
            return new WakeResult(WakeReason.Cancelled);
        }
        await StartAsync(cancellationToken);
        var waiter = new Waiter();
        var registrations = new (TrackedChannel Channel, LinkedListNode<WaitEntry> Node)[after.Count];
        var registered = 0;
        try
        {
            foreach (var position in after)
            {
                var (ready, refused) = Register(position, waiter, out registrations[registered]);
                if (ready)
                {
                    return new WakeResult(WakeReason.Ready);
                }
                if (refused)
                {
                    return new WakeResult(WakeReason.Refused, position.Channel);
                }
                registered++;
            }
            if (!_wheel.Schedule(waiter, timeout))
            {
                return new WakeResult(WakeReason.Stopping);
            }
            using var cancellation = cancellationToken.UnsafeRegister(
                static s => ((Waiter)s!).TrySignal(new WakeResult(WakeReason.Cancelled)), waiter);
            for (var i = 0; i < registered && !waiter.IsSignalled; i++)
            {
                var (channel, node) = registrations[i];
                if (!IsFresh(channel))
                {
                    await ConfirmAsync(channel, node.Value, cancellationToken);
                }
            }
            return await waiter.Task;
        }
        finally
        {
            _wheel.Cancel(waiter);
            for (var i = 0; i < registered; i++)
            {
                Unregister(registrations[i].Channel, registrations[i].Node);
            }
        }
    }

    private (bool Ready, bool Refused) Register(ChannelPosition position, Waiter waiter, out (TrackedChannel, LinkedListNode<WaitEntry>) registration)
    {
        while (true)
        {
            var channel = Track(position.Channel);
            lock (channel.Gate)
            {
                if (channel.Dead)
                {
                    continue;
                }
                registration = default;
                // A state not confirmed since LISTEN may be old: news by it is checked after a read, not trusted now.
                if (IsFresh(channel) && HasNews(channel.Known, position))
                {
                    return (true, false);
                }
                if (channel.Waiters.Count >= _limits.MaxSubscribersPerChannel)
                {
                    return (false, true);
                }
                registration = (channel, channel.Waiters.AddLast(new WaitEntry(waiter, position)));
                return (false, false);
            }
        }
    }

    /// <summary>Reads the channel's state (once for all who need it) and wakes the waiter if its cursor is behind.</summary>
    private async Task ConfirmAsync(TrackedChannel channel, WaitEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            await RefreshAsync(channel, cancellationToken);
        }
        catch (HarkUnavailableException)
        {
            // Hold the request anyway: when the database is back, the catch-up after LISTEN reads every
            // tracked channel and wakes this waiter if it missed anything.
            return;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
        bool news;
        lock (channel.Gate)
        {
            news = HasNews(channel.Known, entry.Position);
        }
        if (news)
        {
            entry.Waiter.TrySignal(new WakeResult(WakeReason.Ready));
        }
    }

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

    private void Unregister(TrackedChannel channel, LinkedListNode<WaitEntry> node)
    {
        if (node.List is null || !ReferenceEquals(node.List, channel.Waiters))
        {
            return;
        }
        lock (channel.Gate)
        {
            if (ReferenceEquals(node.List, channel.Waiters))
            {
                channel.Waiters.Remove(node);
            }
            // A subscriber whose poll ended polls again soon: keep the channel (and its cache) a while.
            channel.LastUsed = _time.GetTimestamp();
        }
    }
}
