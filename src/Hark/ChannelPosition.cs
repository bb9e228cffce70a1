namespace Hark;

/// <summary>A position in one channel: the last message a subscriber has, by epoch and sequence number.</summary>
/// <param name="Channel">The channel name.</param>
/// <param name="Epoch">The history the sequence number belongs to.</param>
/// <param name="Seq">The sequence number of the last message seen; 0 when none was.</param>
public readonly record struct ChannelPosition(string Channel, Epoch Epoch, long Seq)
{
    /// <summary>The single-channel cursor, <c>{epoch}:{seq}</c>.</summary>
    public string Cursor => Hark.Cursor.Format(Epoch, Seq);
}
