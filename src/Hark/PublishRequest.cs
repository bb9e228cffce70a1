namespace Hark;

/// <summary>A message to publish.</summary>
/// <param name="Channel">The channel (already validated with <see cref="ChannelName.IsValid"/>).</param>
/// <param name="Event">The event name, or null.</param>
/// <param name="Payload">The payload.</param>
public sealed record PublishRequest(string Channel, string? Event, MessagePayload Payload);
