using System.Buffers;
using System.Text.Json;
using Hark.Presence;

namespace Hark.AspNetCore.Internal.Presence;

internal sealed partial class PresenceTracker
{
    /// <summary>The most lapsed leases one pass sweeps; the next pass takes the rest.</summary>
    private const int SweepBatch = 1000;

    /// <summary>Join and leave events kept for a store that cannot take them, oldest dropped beyond this (and logged).</summary>
    private const int MaxUnpublished = 10_000;

    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly SemaphoreSlim _passing = new(1, 1);
    private readonly List<PresenceEvent> _unpublished = [];
    private int _signalled;

    /// <summary>Asks the loop for a pass now: a lease is new, or one ended for good.</summary>
    private void Signal()
    {
        if (Interlocked.Exchange(ref _signalled, 1) == 0)
        {
            _signal.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _signal.WaitAsync(Tick, stoppingToken);
                Volatile.Write(ref _signalled, 0);
                await PassAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // Leases stay in the store as they are: a long-poll client's next poll, on another node, renews its own.
                return;
            }
            catch (Exception e)
            {
                Log.PassFailed(_logger, e);
            }
        }
    }

    /// <summary>
    /// One pass: leases whose stream or socket closed are removed from the store (a leave each, unless another node
    /// renewed them since), new and due held leases are written (a join for each the store did not have), lapsed leases
    /// of any node are swept (a leave each), and the events go out on the companions in that order, one batch. A lease no
    /// request holds is forgotten by the node once its last write has lapsed. A store that fails leaves the lease as it
    /// was, to be tried again on the next pass.
    /// </summary>
    public async Task PassAsync(CancellationToken cancellationToken)
    {
        await _passing.WaitAsync(cancellationToken);
        try
        {
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            List<(LocalLease Lease, PresenceEntry Entry)> renewing = [];
            List<LocalLease> removing = [];
            foreach (var lease in _leases.Values)
            {
                lock (lease)
                {
                    if (lease.InUse)
                    {
                        // Held, or polled since the last write (polls come and go between passes): written when due, so
                        // present for a grace after its last poll.
                        if (lease.StoreUntil == 0 || now >= lease.RenewAt)
                        {
                            renewing.Add((lease, new PresenceEntry(lease.Channel, lease.Client, lease.User, lease.Transport)));
                        }
                        continue;
                    }
                    if (!lease.Closed && now < lease.LapsesAt)
                    {
                        // Between polls: a poll arriving now renews it without a new lease, or it lapses in the store.
                        continue;
                    }
                    lease.Removed = true;
                    _leases.TryRemove(new KeyValuePair<(string, string), LocalLease>((lease.Channel, lease.Client), lease));
                    if (lease.Closed && lease.StoreUntil != 0)
                    {
                        removing.Add(lease);
                    }
                }
            }
            var events = new List<PresenceEvent>();
            await RemoveAsync(removing, events, cancellationToken);
            await RenewAsync(renewing, now, events, cancellationToken);
            await SweepAsync(events, cancellationToken);
            await PublishAsync(events, cancellationToken);
        }
        finally
        {
            _passing.Release();
        }
    }

    private async Task RemoveAsync(List<LocalLease> removing, List<PresenceEvent> events, CancellationToken cancellationToken)
    {
        if (removing.Count == 0)
        {
            return;
        }
        try
        {
            var removed = await _store.RemoveAsync([.. removing.Select(l => new PresenceRemoval(l.Channel, l.Client, l.StoreUntil))], cancellationToken);
            for (var i = 0; i < removing.Count; i++)
            {
                if (removed[i])
                {
                    var lease = removing[i];
                    events.Add(Event("leave", lease.Channel, lease.Client, lease.User, lease.Transport, "closed"));
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The store lets them lapse; whichever node sweeps them then says they left.
            _metrics.PresenceStoreFailed("remove");
            Log.StoreFailed(_logger, "remove", removing.Count, e);
        }
    }

    private async Task RenewAsync(List<(LocalLease Lease, PresenceEntry Entry)> renewing, long now, List<PresenceEvent> events, CancellationToken cancellationToken)
    {
        if (renewing.Count == 0)
        {
            return;
        }
        try
        {
            var renewed = await _store.RenewAsync([.. renewing.Select(r => r.Entry)], StoreTtl, cancellationToken);
            for (var i = 0; i < renewing.Count; i++)
            {
                var (lease, entry) = renewing[i];
                lock (lease)
                {
                    lease.StoreUntil = renewed[i].Until;
                    lease.RenewAt = now + _renewEveryMs;
                    lease.WrittenAt = now;
                    lease.LapsesAt = now + _graceMs + _renewEveryMs;
                }
                if (renewed[i].Joined)
                {
                    events.Add(Event("join", entry.Channel, entry.Client, entry.User, entry.Transport, null));
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _metrics.PresenceStoreFailed("renew");
            Log.StoreFailed(_logger, "renew", renewing.Count, e);
        }
    }

    private async Task SweepAsync(List<PresenceEvent> events, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var expiry in await _store.TakeExpiredAsync(SweepBatch, cancellationToken))
            {
                var client = expiry.Client;
                events.Add(Event("leave", expiry.Channel, client.Client, client.User, client.Transport, "expired"));
                if (_leases.TryGetValue((expiry.Channel, client.Client), out var mine))
                {
                    lock (mine)
                    {
                        if (mine.InUse)
                        {
                            // Still in use here, but it lapsed (the store was out of reach too long): written again, it joins again.
                            mine.StoreUntil = 0;
                        }
                        else
                        {
                            // Unused since its last write, which has lapsed: this node forgets it too.
                            mine.Removed = true;
                            _leases.TryRemove(new KeyValuePair<(string, string), LocalLease>((mine.Channel, mine.Client), mine));
                        }
                    }
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _metrics.PresenceStoreFailed("sweep");
            Log.StoreFailed(_logger, "sweep", 0, e);
        }
    }

    /// <summary>The pass's events after any an earlier pass could not publish, one batch, in order.</summary>
    private async Task PublishAsync(List<PresenceEvent> events, CancellationToken cancellationToken)
    {
        if (_unpublished.Count > 0)
        {
            events.InsertRange(0, _unpublished);
            _unpublished.Clear();
        }
        if (events.Count == 0)
        {
            return;
        }
        try
        {
            await _engine.PublishBatchAsync([.. events.Select(e => e.Request)], cancellationToken);
            foreach (var published in events)
            {
                _metrics.PresenceEvent(published.Name, published.Reason);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _metrics.PresenceStoreFailed("publish");
            var dropped = Math.Max(0, events.Count - MaxUnpublished);
            _unpublished.AddRange(events.Skip(dropped));
            Log.PublishFailed(_logger, events.Count, dropped, e);
        }
    }

    /// <summary><c>{"client","user","transport","reason"}</c> as the event <paramref name="name"/> on the channel's companion.</summary>
    private static PresenceEvent Event(string name, string channel, string client, string? user, string transport, string? reason)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("client"u8, client);
            if (user is null)
            {
                json.WriteNull("user"u8);
            }
            else
            {
                json.WriteString("user"u8, user);
            }
            json.WriteString("transport"u8, transport);
            if (reason is not null)
            {
                json.WriteString("reason"u8, reason);
            }
            json.WriteEndObject();
        }
        MessagePayload.TryFromJson(buffer.WrittenMemory.ToArray(), out var payload, out _);
        return new PresenceEvent(new PublishRequest(CompanionOf(channel), name, payload!), name, reason);
    }

    /// <summary>A join or leave: its message on the companion, and its name and reason for the metrics.</summary>
    private sealed record PresenceEvent(PublishRequest Request, string Name, string? Reason);
}
