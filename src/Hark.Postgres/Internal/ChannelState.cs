namespace Hark.Postgres.Internal;

/// <summary>
/// What the database says of a channel. <see cref="Epoch"/> is null when the channel has no live history
/// (never published, or deleted). Every change of history takes a larger stamp, so of two states of one
/// channel the one with the larger <see cref="Version"/> is the newer.
/// </summary>
internal sealed record ChannelState(Epoch? Epoch, long LastSeq, long TotalBytes, long ResetStamp)
{
    public static ChannelState None { get; } = new(null, 0, 0, 0);

    public (long Stamp, long Seq) Version => (Epoch?.Stamp ?? ResetStamp, LastSeq);

    public bool IsNewerThan(ChannelState other) => Version.CompareTo(other.Version) > 0;
}
