namespace Hark;

/// <summary>What a publish did.</summary>
/// <param name="Channel">The channel.</param>
/// <param name="Seq">The message's sequence number (for a stale publish: the channel's newest).</param>
/// <param name="Cursor">The message's single-channel cursor (for a stale publish: the channel's current one).</param>
/// <param name="Subscribers">How many waiting subscribers were woken by it.</param>
public sealed record PublishResult(string Channel, long Seq, string Cursor, int Subscribers)
{
    /// <summary>
    /// True when the request's <see cref="PublishRequest.Version"/> was not newer than the channel's
    /// <see cref="Version"/>: nothing was published.
    /// </summary>
    public bool Stale { get; init; }

    /// <summary>The channel's newest version after this publish, or null when no publish to it carried one.</summary>
    public long? Version { get; init; }
}
