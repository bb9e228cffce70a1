namespace Hark;

/// <summary>
/// Where an engine reports what changed in its channels: this node's hub listens, and wakes the subscribers
/// waiting on them. An engine calls it after the change is visible to reads (so a subscriber it wakes finds the
/// change), from any thread, for changes made on this node and, for a shared store, on any other node.
/// </summary>
/// <remarks>
/// A report is a hint to read, not data: reporting a change twice, late, or out of order costs a read, never a
/// lost or repeated message. What a woken subscriber gets comes from <see cref="IHarkEngine.ReadAsync"/>.
/// </remarks>
public interface IChannelChangeListener
{
    /// <summary>
    /// Messages were appended to <paramref name="channel"/>: its history <paramref name="epoch"/> now ends at
    /// <paramref name="lastSeq"/>. Wakes every waiter not already at or past that position.
    /// </summary>
    /// <returns>How many waiters were woken.</returns>
    int Appended(string channel, Epoch epoch, long lastSeq);

    /// <summary>
    /// <paramref name="messages"/> were appended to <paramref name="channel"/> by a publish on this node, and here they
    /// are: consecutive, of one history, as <see cref="IHarkEngine.ReadAsync"/> would return them, the newest last. As
    /// <see cref="Appended(string, Epoch, long)"/> at the last one; waiters just before the first may be handed them
    /// without a read, so a publish on the node that serves its subscribers costs no read of the store.
    /// </summary>
    /// <returns>How many waiters were woken.</returns>
    int Appended(string channel, IReadOnlyList<HarkMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return Appended(channel, messages[^1].Epoch, messages[^1].Seq);
    }

    /// <summary>
    /// <paramref name="channel"/> was deleted. Its waiters for which <paramref name="closes"/> holds (all when it is
    /// null) are answered as closed; the others (a subscriber that started after the delete) read again.
    /// </summary>
    /// <returns>How many waiters were answered as closed.</returns>
    int Deleted(string channel, Func<ChannelPosition, bool>? closes);

    /// <summary>
    /// <paramref name="channel"/>'s history was replaced by a new one (its store lost data, say): every waiter reads
    /// again, and sees a gap.
    /// </summary>
    /// <returns>How many waiters were woken.</returns>
    int Reset(string channel);

    /// <summary>Whether a subscriber on this node waits on <paramref name="channel"/> now.</summary>
    bool IsWatched(string channel);

    /// <summary>
    /// The channels subscribers on this node wait on now: an engine whose change feed was interrupted (a lost
    /// database or Redis connection) reads their state again and reports what moved meanwhile.
    /// </summary>
    IReadOnlyCollection<string> WatchedChannels();
}
