namespace Hark.Hub;

/// <summary>
/// The waiters one change wakes, grouped by what they will read: two or more on one channel at the same position (and
/// batch size) share one <see cref="SharedRead"/>; the rest read for themselves. In a fan-out nearly every waiter is
/// at the channel's previous position, so the first group is kept apart from the (usually absent) others. When the
/// report brought its messages (<paramref name="known"/>, published on this node and known to be the newest), the group
/// just before them gets them as its read, with no store read at all.
/// </summary>
internal sealed class WakeGroups(IHarkEngine engine, HubChannel? channel, long reports, ReadBatch? known = null)
{
    private (ChannelPosition Position, int Max) _first;
    private List<Waiter>? _firstWaiters;
    private Dictionary<(ChannelPosition, int), List<Waiter>>? _more;
    private List<Waiter>? _alone;

    public void Shared(Waiter waiter, ChannelPosition position)
    {
        if (_firstWaiters is null)
        {
            _first = (position, waiter.Max);
            _firstWaiters = [waiter];
            return;
        }
        if (_first.Position == position && _first.Max == waiter.Max)
        {
            _firstWaiters.Add(waiter);
            return;
        }
        _more ??= [];
        if (!_more.TryGetValue((position, waiter.Max), out var group))
        {
            group = [];
            _more[(position, waiter.Max)] = group;
        }
        group.Add(waiter);
    }

    public void Alone(Waiter waiter) => (_alone ??= []).Add(waiter);

    /// <summary>Wakes every group; returns how many waiters were still waiting.</summary>
    public int Wake()
    {
        var woken = 0;
        if (_firstWaiters is not null)
        {
            woken += Wake(_first.Position, _first.Max, _firstWaiters);
        }
        if (_more is not null)
        {
            foreach (var ((position, max), waiters) in _more)
            {
                woken += Wake(position, max, waiters);
            }
        }
        if (_alone is not null)
        {
            woken += WakeBatch.Wake(_alone, new WakeResult(WakeReason.Ready));
        }
        return woken;
    }

    // A lone waiter reads for itself: sharing a read with nobody would only cost the sharing (unless it is read already).
    private int Wake(ChannelPosition position, int max, List<Waiter> waiters)
    {
        if (known is not null && known.Messages.Count < max && known.Messages[0].Seq == position.Seq + 1 && known.Messages[0].Epoch == position.Epoch)
        {
            return WakeBatch.Wake(waiters, new WakeResult(WakeReason.Ready) { Shared = SharedRead.Known(engine, position, max, channel, reports, known) });
        }
        return WakeBatch.Wake(waiters, waiters.Count == 1
            ? new WakeResult(WakeReason.Ready)
            : new WakeResult(WakeReason.Ready) { Shared = new SharedRead(engine, position, max, channel, reports) });
    }
}
