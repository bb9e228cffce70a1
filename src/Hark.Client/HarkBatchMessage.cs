using System.Text.Json;

namespace Hark.Client;

/// <summary>One message of a batch publish.</summary>
/// <param name="Channel">The channel.</param>
/// <param name="Data">The payload (a JSON string is text).</param>
/// <param name="Event">The event name, or null.</param>
public sealed record HarkBatchMessage(string Channel, JsonElement Data, string? Event = null)
{
    /// <summary>A text message.</summary>
    public static HarkBatchMessage Text(string channel, string text, string? eventName = null) =>
        new(channel, JsonSerializer.SerializeToElement(text, HarkClientJsonContext.Default.String), eventName);
}
