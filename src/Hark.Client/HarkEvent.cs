using System.Text.Json;

namespace Hark.Client;

/// <summary>What a subscription yields: a message, a gap, or the end of a deleted channel. Each carries the cursor to resume after it.</summary>
/// <param name="Cursor">The subscription's cursor after this event.</param>
public abstract record HarkEvent(string Cursor);

/// <summary>A message.</summary>
/// <param name="Channel">The channel it was published to.</param>
/// <param name="Seq">Its per-channel sequence number.</param>
/// <param name="Cursor">The subscription's cursor after it.</param>
/// <param name="Time">When it was published.</param>
/// <param name="Event">Its event name, or null.</param>
/// <param name="Data">Its payload: any JSON value; text arrives as a JSON string.</param>
public sealed record HarkMessage(string Channel, long Seq, string Cursor, DateTimeOffset Time, string? Event, JsonElement Data) : HarkEvent(Cursor)
{
    /// <summary>The payload as text when it is a string, else its JSON text.</summary>
    public string Text => Data.ValueKind == JsonValueKind.String ? Data.GetString()! : Data.GetRawText();
}

/// <summary>Messages after the cursor are gone (evicted, or the history was reset); what is still there follows.</summary>
/// <param name="Channels">Which channels, why, and how many were missed when known.</param>
/// <param name="Cursor">A cursor to resume from; it may report the gap again.</param>
public sealed record HarkGap(IReadOnlyList<HarkGapInfo> Channels, string Cursor) : HarkEvent(Cursor);

/// <summary>One channel's gap.</summary>
/// <param name="Channel">The channel.</param>
/// <param name="Reason"><c>evicted</c> or <c>reset</c>.</param>
/// <param name="Missed">How many messages were missed, when known.</param>
public sealed record HarkGapInfo(string Channel, string Reason, long? Missed);

/// <summary>A channel was deleted; the subscription ends after this event.</summary>
/// <param name="Channel">The deleted channel.</param>
/// <param name="Cursor">The cursor the subscription had.</param>
public sealed record HarkChannelClosed(string Channel, string Cursor) : HarkEvent(Cursor);
