using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hark.AspNetCore.Internal;

internal sealed record PublishedMessage(string Channel, long Seq, string Cursor, int Subscribers, long? Version, bool? Stale);

internal sealed record BatchPublished(IReadOnlyList<PublishedMessage> Published);

internal sealed record BatchItem(string? Channel, string? Event, JsonElement Data, long? Version);

internal sealed record ChannelInfoBody(string Channel, int Messages, long Bytes, long FirstSeq, long LastSeq, string Cursor, int Subscribers, string? LastPublished);

internal sealed record PresenceBody(string Channel, int Count, IReadOnlyList<PresentClientBody> Clients, string Cursor);

internal sealed record PresentClientBody(
    string Client,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? User,
    string Transport,
    string Since);

internal sealed record GapBody(string Channel, string Reason, long? Missed);

internal sealed record HookRequest(string Action, IReadOnlyList<string> Channels, Dictionary<string, string> Headers, string Address, string Transport);

/// <summary>Source-generated JSON for the small control bodies; messages are written from their cached bytes.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PublishedMessage))]
[JsonSerializable(typeof(BatchPublished))]
[JsonSerializable(typeof(List<BatchItem>))]
[JsonSerializable(typeof(BatchItem))]
[JsonSerializable(typeof(ChannelInfoBody))]
[JsonSerializable(typeof(PresenceBody))]
[JsonSerializable(typeof(List<GapBody>))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(Auth.GrantPayload))]
[JsonSerializable(typeof(HookRequest))]
[JsonSerializable(typeof(Admin.StatsSnapshot))]
internal sealed partial class HarkJsonContext : JsonSerializerContext;
