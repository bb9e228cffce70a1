namespace Hark;

/// <summary>What a publish did.</summary>
/// <param name="Channel">The channel.</param>
/// <param name="Seq">The message's sequence number.</param>
/// <param name="Cursor">The message's single-channel cursor.</param>
/// <param name="Subscribers">How many waiting subscribers were woken by it.</param>
public sealed record PublishResult(string Channel, long Seq, string Cursor, int Subscribers);
