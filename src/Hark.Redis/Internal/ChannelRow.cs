namespace Hark.Redis.Internal;

/// <summary>One channel as the read script saw it.</summary>
/// <param name="EpochStamp">The live history's stamp, or null when the channel has none (never published, deleted, or forgotten).</param>
/// <param name="LastSeq">The newest message's sequence number.</param>
/// <param name="FirstSeq">The oldest kept message; one past <paramref name="LastSeq"/> when none is kept.</param>
/// <param name="EntriesFrom">The sequence number of the first of <paramref name="Entries"/>.</param>
/// <param name="ResetStamp">The stamp of the channel's last delete; 0 when none is remembered.</param>
/// <param name="Bytes">Bytes of the kept messages.</param>
/// <param name="Newest">When the newest kept message was published (µs since the Unix epoch), when asked and kept.</param>
/// <param name="Entries">The stored messages returned, consecutive.</param>
internal sealed record ChannelRow(long? EpochStamp, long LastSeq, long FirstSeq, long EntriesFrom, long ResetStamp, long Bytes, long? Newest, byte[][] Entries);
