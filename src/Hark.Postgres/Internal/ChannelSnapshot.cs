namespace Hark.Postgres.Internal;

/// <summary>One channel as a database read saw it: its state, where its window starts, and the messages read.</summary>
/// <param name="State">The channel's state.</param>
/// <param name="FirstSeq">The oldest message in the window; one past the last when the window is empty.</param>
/// <param name="Issued">The stamp counter when read: the epoch of an empty cursor for a channel with no live history.</param>
/// <param name="Messages">The messages read, oldest first.</param>
internal sealed record ChannelSnapshot(ChannelState State, long FirstSeq, long Issued, List<CachedMessage> Messages);
