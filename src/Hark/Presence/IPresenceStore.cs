namespace Hark.Presence;

/// <summary>
/// Where the leases of presence live, shared by every node of a deployment (the memory store serves one process). A
/// lease is one client on one channel until a time on the store's own clock, so nodes whose clocks differ agree on
/// what has lapsed. Every operation is atomic per lease: of two nodes renewing a new lease, one is told it joined;
/// of two removing or sweeping it, one is told it left. That is what makes each join and leave one event.
/// </summary>
/// <remarks>
/// <see cref="MemoryPresenceStore"/>, the postgres and the redis stores implement it; one conformance suite
/// (<c>PresenceStoreConformanceTests</c>) runs against each.
/// </remarks>
public interface IPresenceStore
{
    /// <summary>
    /// Creates or extends each lease to <paramref name="ttl"/> from now (the store's clock), updating its user and
    /// transport and keeping when it began. One result per entry, in order: whether it is new (the client joined, where a
    /// lease that lapsed but was not yet swept is not new) and its new end, to hand back to <see cref="RemoveAsync"/>. Every
    /// renewal moves the end later than the one before, even within the same millisecond.
    /// </summary>
    ValueTask<IReadOnlyList<LeaseRenewal>> RenewAsync(IReadOnlyList<PresenceEntry> entries, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>
    /// Ends each lease unless it was renewed after the end its remover last wrote (<see cref="PresenceRemoval.IfUntil"/>):
    /// another node's renewal keeps it. One result per removal, in order: whether it was there and is gone now (the client left).
    /// </summary>
    ValueTask<IReadOnlyList<bool>> RemoveAsync(IReadOnlyList<PresenceRemoval> removals, CancellationToken cancellationToken);

    /// <summary>
    /// Removes and returns at most <paramref name="max"/> leases that have lapsed, whichever node wrote them (a node that
    /// died leaves them behind); each lease is returned to one caller only.
    /// </summary>
    ValueTask<IReadOnlyList<PresenceExpiry>> TakeExpiredAsync(int max, CancellationToken cancellationToken);

    /// <summary>How many leases on <paramref name="channel"/> have not lapsed, exactly, and at most <paramref name="max"/> of them, earliest first.</summary>
    ValueTask<PresenceSnapshot> ReadAsync(string channel, int max, CancellationToken cancellationToken);
}
