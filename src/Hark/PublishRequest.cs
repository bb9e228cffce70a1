namespace Hark;

/// <summary>A message to publish.</summary>
/// <param name="Channel">The channel (already validated with <see cref="ChannelName.IsValid"/>).</param>
/// <param name="Event">The event name, or null.</param>
/// <param name="Payload">The payload.</param>
public sealed record PublishRequest(string Channel, string? Event, MessagePayload Payload)
{
    /// <summary>
    /// The publisher's version of the state this message carries, or null. When set, the message is published
    /// only if it is newer than every version the channel has seen; otherwise nothing is published and the
    /// result is <see cref="PublishResult.Stale"/>. So an older state never replaces a newer one, and a retried
    /// publish with the same version is not published twice.
    /// </summary>
    public long? Version { get; init; }

    /// <summary>
    /// The W3C <c>traceparent</c> of the publish (its span, or the publisher's when the publish records none), stored
    /// with the message (<see cref="HarkMessage.TraceParent"/>); null when untraced.
    /// </summary>
    public string? TraceParent { get; init; }
}
