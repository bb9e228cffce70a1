namespace Hark.Client;

/// <summary>What a publish did.</summary>
/// <param name="Channel">The channel.</param>
/// <param name="Seq">The message's sequence number.</param>
/// <param name="Cursor">The message's cursor.</param>
/// <param name="Subscribers">Subscribers that were waiting and were woken.</param>
public sealed record HarkPublishResult(string Channel, long Seq, string Cursor, int Subscribers);
