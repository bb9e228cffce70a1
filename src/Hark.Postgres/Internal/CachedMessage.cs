namespace Hark.Postgres.Internal;

/// <summary>A message as a node keeps it, with what the history bounds need: its stored size and the channel's byte count up to it.</summary>
internal readonly record struct CachedMessage(HarkMessage Message, int Size, long EndBytes);
