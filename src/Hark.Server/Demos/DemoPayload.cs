using System.Text.Json;

namespace Hark.Server.Demos;

/// <summary>A demo's message data: an object serialized to JSON, as a publisher's body would be.</summary>
internal static class DemoPayload
{
    public static MessagePayload Of<T>(T value) =>
        MessagePayload.TryFromJson(JsonSerializer.SerializeToUtf8Bytes(value), out var payload, out var error)
            ? payload!
            : throw new InvalidOperationException($"A demo message did not serialize to valid JSON: {error}");
}
