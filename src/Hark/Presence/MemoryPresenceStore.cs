namespace Hark.Presence;

/// <summary>The leases of one process (the memory engine's store): a table per channel under one lock, on the injected clock.</summary>
public sealed class MemoryPresenceStore(TimeProvider time) : IPresenceStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Dictionary<string, Lease>> _channels = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<LeaseRenewal>> RenewAsync(IReadOnlyList<PresenceEntry> entries, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var until = now.ToUnixTimeMilliseconds() + (long)ttl.TotalMilliseconds;
        var results = new LeaseRenewal[entries.Count];
        lock (_gate)
        {
            for (var i = 0; i < entries.Count; i++)
            {
                var entry = entries[i];
                if (!_channels.TryGetValue(entry.Channel, out var leases))
                {
                    _channels[entry.Channel] = leases = new Dictionary<string, Lease>(StringComparer.Ordinal);
                }
                var joined = !leases.TryGetValue(entry.Client, out var lease);
                // Each write moves the end on, even within one tick: a remover's IfUntil then tells its own write from a later one.
                var end = joined ? until : Math.Max(until, lease.Until + 1);
                leases[entry.Client] = new Lease(new PresentClient(entry.Client, entry.User, entry.Transport, joined ? now : lease.Client.Since), end);
                results[i] = new LeaseRenewal(joined, end);
            }
        }
        return ValueTask.FromResult<IReadOnlyList<LeaseRenewal>>(results);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<bool>> RemoveAsync(IReadOnlyList<PresenceRemoval> removals, CancellationToken cancellationToken)
    {
        var results = new bool[removals.Count];
        lock (_gate)
        {
            for (var i = 0; i < removals.Count; i++)
            {
                var removal = removals[i];
                if (_channels.TryGetValue(removal.Channel, out var leases) && leases.TryGetValue(removal.Client, out var lease) && lease.Until <= removal.IfUntil)
                {
                    results[i] = true;
                    Forget(removal.Channel, leases, removal.Client);
                }
            }
        }
        return ValueTask.FromResult<IReadOnlyList<bool>>(results);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<PresenceExpiry>> TakeExpiredAsync(int max, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var taken = new List<PresenceExpiry>();
        lock (_gate)
        {
            foreach (var (channel, leases) in _channels)
            {
                foreach (var lease in leases.Values)
                {
                    if (taken.Count == max)
                    {
                        break;
                    }
                    if (lease.Until <= now)
                    {
                        taken.Add(new PresenceExpiry(channel, lease.Client));
                    }
                }
            }
            // Removed after the walk: a dictionary may not change while it is walked.
            foreach (var expiry in taken)
            {
                Forget(expiry.Channel, _channels[expiry.Channel], expiry.Client.Client);
            }
        }
        return ValueTask.FromResult<IReadOnlyList<PresenceExpiry>>(taken);
    }

    /// <inheritdoc />
    public ValueTask<PresenceSnapshot> ReadAsync(string channel, int max, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_gate)
        {
            if (!_channels.TryGetValue(channel, out var leases))
            {
                return ValueTask.FromResult(new PresenceSnapshot(0, []));
            }
            var live = leases.Values.Where(l => l.Until > now).Select(l => l.Client).ToList();
            return ValueTask.FromResult(new PresenceSnapshot(live.Count,
                [.. live.OrderBy(c => c.Since).ThenBy(c => c.Client, StringComparer.Ordinal).Take(max)]));
        }
    }

    private void Forget(string channel, Dictionary<string, Lease> leases, string client)
    {
        leases.Remove(client);
        if (leases.Count == 0)
        {
            _channels.Remove(channel);
        }
    }

    private readonly record struct Lease(PresentClient Client, long Until);
}
