namespace Hark.Hub;

internal sealed partial class FanoutHub
{
    /// <summary>
    /// Holds a subscriber at <paramref name="after"/> until there is something to read, and reads it: the one hold
    /// loop of every transport and of ask/reply. It ends in exactly one of: messages or a gap (Ready, with the
    /// batch); the deadline (Timeout, an empty batch at the same positions); a channel deleted (Closed); the token
    /// cancelled (Cancelled); the server stopping (Stopping, an empty batch); a full channel (Refused).
    /// A zero <paramref name="timeout"/> is a plain poll: one read, no hold.
    /// </summary>
    public async ValueTask<HoldResult> HoldAsync(IReadOnlyList<ChannelPosition> after, int max, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(after);
        if (timeout <= TimeSpan.Zero)
        {
            var now = await Engine.ReadAsync(after, max, cancellationToken);
            return new HoldResult(now.IsEmpty ? WakeReason.Timeout : WakeReason.Ready, now, Waited: false);
        }
        var started = _time.GetTimestamp();
        var waited = false;
        while (true)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return new HoldResult(WakeReason.Cancelled, null);
            }
            var waiter = new Waiter(after, max);
            try
            {
                // Registered before reading: whatever the read misses is published after it, and its report finds
                // the waiter. So nothing falls between the read and the wait.
                if (!TryRegister(waiter, out var full, out var current, out var shared))
                {
                    return new HoldResult(WakeReason.Refused, null, Channel: full);
                }
                // A subscriber at the head a shared read just found (the re-poll or next hold after a fan-out) has
                // nothing to read: any later publish is reported after this registration, and its report wakes it.
                // One at a position a read began from with no change reported since shares that read and its answers.
                // (The empty answer is made only if it is given: a held waiter keeps as little as it can until it wakes.)
                var batch = current ? null
                    : shared is not null ? await shared.ReadAsync(cancellationToken)
                    : await Engine.ReadAsync(after, max, cancellationToken);
                if (batch is { IsEmpty: false })
                {
                    // A delete reported while it read found it registered, counted it as waiting and told it the channel
                    // is closed: that is its answer, not the reset gap a read after the delete finds. (Its cursor has
                    // not moved, so whatever else it read is read again by the client's next poll.)
                    if (waiter.IsSignalled && await waiter.Task is { Reason: WakeReason.Closed } closed)
                    {
                        return new HoldResult(WakeReason.Closed, null, Channel: closed.Channel);
                    }
                    return new HoldResult(WakeReason.Ready, batch, shared, Waited: waited);
                }
                // Not kept while held: the read, its task and its answer are the channel's to keep, or garbage.
                shared = null;
                var remaining = timeout - _time.GetElapsedTime(started);
                if (remaining <= TimeSpan.Zero)
                {
                    return new HoldResult(WakeReason.Timeout, batch ?? Nothing(after));
                }
                if (!_wheel.Schedule(waiter, remaining))
                {
                    return new HoldResult(WakeReason.Stopping, batch ?? Nothing(after));
                }
                WakeResult wake;
                using (cancellationToken.UnsafeRegister(static s => ((Waiter)s!).TrySignal(new WakeResult(WakeReason.Cancelled)), waiter))
                {
                    wake = await waiter.Task;
                }
                waited = true;
                switch (wake.Reason)
                {
                    case WakeReason.Ready when wake.Shared is { } group:
                        var read = await group.ReadAsync(cancellationToken);
                        if (!read.IsEmpty)
                        {
                            return new HoldResult(WakeReason.Ready, read, group);
                        }
                        continue;
                    case WakeReason.Ready:
                        // Several channels, or a report this waiter had already seen: read again, registered first.
                        continue;
                    case WakeReason.Timeout or WakeReason.Stopping:
                        return new HoldResult(wake.Reason, batch ?? Nothing(after));
                    default:
                        return new HoldResult(wake.Reason, null, Channel: wake.Channel);
                }
            }
            finally
            {
                _wheel.Cancel(waiter);
                Unregister(waiter);
            }
        }
    }

    private static ReadBatch Nothing(IReadOnlyList<ChannelPosition> after) => new([], after, []);
}
