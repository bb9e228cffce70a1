namespace Hark;

/// <summary>One channel of a read whose cursor pointed at messages that are gone.</summary>
/// <param name="Channel">The channel.</param>
/// <param name="Reason">Why.</param>
/// <param name="Missed">How many messages were missed, when known.</param>
public sealed record ChannelGap(string Channel, GapReason Reason, long? Missed);
