namespace Hark.Postgres.Internal;

/// <summary>What the publish statement says of one item of a batch.</summary>
/// <param name="Epoch">The channel's history.</param>
/// <param name="Seq">The item's sequence number; for a stale item, the channel's newest before it.</param>
/// <param name="Id">The message's row id (its publish order), or null when the item was stale and not published.</param>
/// <param name="EndBytes">The channel's byte count up to and including the item.</param>
/// <param name="LastSeq">The channel's last sequence number after the whole batch.</param>
/// <param name="TotalBytes">The channel's byte count after the whole batch.</param>
/// <param name="Version">The channel's highest version after the item, or null.</param>
internal readonly record struct PublishedRow(Epoch Epoch, long Seq, long? Id, long EndBytes, long LastSeq, long TotalBytes, long? Version);
