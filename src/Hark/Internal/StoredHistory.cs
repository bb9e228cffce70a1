namespace Hark.Internal;

/// <summary>
/// A channel's history in a store several nodes share (PostgreSQL, Redis), as a read saw it. Such a store numbers
/// its epochs <c>{store instance}-{stamp}</c> from one counter: a history takes a stamp when it begins, a delete takes
/// one too (<see cref="ResetStamp"/>), and a cursor of a channel with no live history carries the counter's value when
/// it was issued. These are the cursor rules every such engine keeps, in one place.
/// </summary>
/// <param name="Epoch">The history; for a channel with no live history, the epoch its empty cursor carries now.</param>
/// <param name="LastSeq">The newest message's sequence number; 0 with no live history.</param>
/// <param name="FirstSeq">The oldest kept message; one past <paramref name="LastSeq"/> when none is kept.</param>
/// <param name="ResetStamp">The stamp of the channel's last delete; 0 when never deleted.</param>
/// <param name="LatestOnly">Whether the channel is a latest-value channel.</param>
internal readonly record struct StoredHistory(Epoch Epoch, long LastSeq, long FirstSeq, long ResetStamp, bool LatestOnly)
{
    /// <summary>
    /// The history a read found: the live one of <paramref name="epochStamp"/>, or, when there is none (null), the
    /// empty cursor's epoch of <paramref name="issued"/>, the stamp counter's value when read.
    /// </summary>
    public static StoredHistory Of(long instance, long? epochStamp, long lastSeq, long firstSeq, long issued, long resetStamp, bool latestOnly) =>
        epochStamp is { } stamp
            ? new StoredHistory(new Epoch(instance, stamp), lastSeq, firstSeq, resetStamp, latestOnly)
            : new StoredHistory(new Epoch(instance, issued), 0, 1, resetStamp, latestOnly);

    /// <summary>Maps a requested position onto this history (see <see cref="HistoryWindow.Normalize"/>).</summary>
    public (long From, ChannelGap? Gap) Normalize(ChannelPosition position) =>
        HistoryWindow.Normalize(position, Epoch, LastSeq, FirstSeq, LatestOnly, IsEmptyCursorOf(position, Epoch.Instance, Epoch.Stamp, ResetStamp));

    /// <summary>Where a subscription to <paramref name="channel"/> without a cursor starts.</summary>
    public ChannelPosition Start(string channel, StartPoint start) =>
        new(channel, Epoch, HistoryWindow.StartSeq(start, FirstSeq, LastSeq, LatestOnly));

    /// <summary>
    /// The cursor of a channel that had no live history when it was issued, and whose history began after that
    /// with no delete in between: nothing was lost. The store never forgets a channel it has seen, so, unlike the
    /// memory engine, no tombstone can have been lost.
    /// </summary>
    public static bool IsEmptyCursorOf(ChannelPosition position, long instance, long epochStamp, long resetStamp) =>
        position.Seq == 0
        && position.Epoch.Instance == instance
        && position.Epoch.Stamp <= epochStamp
        && resetStamp <= position.Epoch.Stamp;

    /// <summary>Whether a delete of stamp <paramref name="resetStamp"/> closes a waiter at <paramref name="position"/>: every cursor issued before it.</summary>
    public static bool ClosedByDelete(ChannelPosition position, long instance, long resetStamp) =>
        !(position.Seq == 0 && position.Epoch.Instance == instance && position.Epoch.Stamp >= resetStamp);
}
