using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hark.Client;

/// <summary>A problem's members the client acts on: <c>channel</c> names the deleted channel of a <c>410 channel-closed</c>.</summary>
internal sealed record ProblemBody(string? Type, string? Title, string? Detail, string? Channel = null);

internal sealed record BatchBody(IReadOnlyList<HarkPublishResult> Published);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(HarkPublishResult))]
[JsonSerializable(typeof(HarkChannelInfo))]
[JsonSerializable(typeof(HarkPresence))]
[JsonSerializable(typeof(ProblemBody))]
[JsonSerializable(typeof(BatchBody))]
[JsonSerializable(typeof(List<HarkBatchMessage>))]
[JsonSerializable(typeof(string))]
internal sealed partial class HarkClientJsonContext : JsonSerializerContext;
