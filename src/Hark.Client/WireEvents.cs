using System.Text.Json;

namespace Hark.Client;

/// <summary>The message and gap objects of docs/protocol.md, the same on every transport.</summary>
internal static class WireEvents
{
    public static HarkMessage Message(JsonElement m) => new(
        m.GetProperty("channel").GetString()!,
        m.GetProperty("seq").GetInt64(),
        m.GetProperty("cursor").GetString()!,
        m.GetProperty("time").GetDateTimeOffset(),
        m.TryGetProperty("event", out var name) ? name.GetString() : null,
        m.GetProperty("data").Clone());

    public static List<HarkGapInfo> Gaps(JsonElement gaps) =>
        [.. gaps.EnumerateArray().Select(g => new HarkGapInfo(
            g.GetProperty("channel").GetString()!,
            g.GetProperty("reason").GetString()!,
            g.TryGetProperty("missed", out var missed) && missed.ValueKind == JsonValueKind.Number ? missed.GetInt64() : null))];

    public static bool IsNetworkError(Exception e, CancellationToken cancellationToken) =>
        e is HttpRequestException or IOException or System.Net.WebSockets.WebSocketException
        || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested);
}
