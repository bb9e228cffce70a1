namespace Hark.Client;

/// <summary>A channel's state, as <c>GET /pub/{channel}</c> reports it.</summary>
public sealed record HarkChannelInfo(string Channel, int Messages, long Bytes, long FirstSeq, long LastSeq, string Cursor, int Subscribers, string? LastPublished);
