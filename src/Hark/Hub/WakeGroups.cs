namespace Hark.Hub;

/// <summary>
/// The waiters one change wakes, grouped by what they will read: those on one channel at the same position (and
/// batch size) share one <see cref="SharedRead"/>; the rest read for themselves. In a fan-out nearly every waiter is
/// at the channel's previous position, so the first group is kept apart from the (usually absent) others.
/// </summary>
internal sealed class WakeGroups(IHarkEngine engine, HubChannel? channel, long reports)
{
    private SharedRead? _first;
    private List<Waiter>? _firstWaiters;
    private Dictionary<(ChannelPosition, int), (SharedRead Read, List<Waiter> Waiters)>? _more;
    private List<Waiter>? _alone;

    public void Shared(Waiter waiter, ChannelPosition position)
    {
        if (_first is null)
        {
            _first = new SharedRead(engine, position, waiter.Max, channel, reports);
            _firstWaiters = [waiter];
            return;
        }
        if (_first.Position == position && _first.Max == waiter.Max)
        {
            _firstWaiters!.Add(waiter);
            return;
        }
        _more ??= [];
        if (!_more.TryGetValue((position, waiter.Max), out var group))
        {
            group = (new SharedRead(engine, position, waiter.Max, channel, reports), []);
            _more[(position, waiter.Max)] = group;
        }
        group.Waiters.Add(waiter);
    }

    public void Alone(Waiter waiter) => (_alone ??= []).Add(waiter);

    /// <summary>Wakes every group; returns how many waiters were still waiting.</summary>
    public int Wake()
    {
        var woken = 0;
        if (_first is not null)
        {
            woken += WakeBatch.Wake(_firstWaiters!, new WakeResult(WakeReason.Ready) { Shared = _first });
        }
        if (_more is not null)
        {
            foreach (var (read, waiters) in _more.Values)
            {
                woken += WakeBatch.Wake(waiters, new WakeResult(WakeReason.Ready) { Shared = read });
            }
        }
        if (_alone is not null)
        {
            woken += WakeBatch.Wake(_alone, new WakeResult(WakeReason.Ready));
        }
        return woken;
    }
}
