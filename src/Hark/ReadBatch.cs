namespace Hark;

/// <summary>The result of a read: messages in publish order, the new positions, and any gaps.</summary>
/// <param name="Messages">The messages after the cursor, oldest first, at most the requested count.</param>
/// <param name="Positions">One position per requested channel, in request order, after these messages.</param>
/// <param name="Gaps">Channels whose cursor pointed at messages no longer there; empty when none.</param>
public sealed record ReadBatch(IReadOnlyList<HarkMessage> Messages, IReadOnlyList<ChannelPosition> Positions, IReadOnlyList<ChannelGap> Gaps)
{
    /// <summary>True when the read found nothing new and no gap.</summary>
    public bool IsEmpty => Messages.Count == 0 && Gaps.Count == 0;
}
