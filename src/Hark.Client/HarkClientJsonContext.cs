using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hark.Client;

internal sealed record ProblemBody(string? Type, string? Title, string? Detail);

internal sealed record BatchBody(IReadOnlyList<HarkPublishResult> Published);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(HarkPublishResult))]
[JsonSerializable(typeof(HarkChannelInfo))]
[JsonSerializable(typeof(ProblemBody))]
[JsonSerializable(typeof(BatchBody))]
[JsonSerializable(typeof(List<HarkBatchMessage>))]
[JsonSerializable(typeof(string))]
internal sealed partial class HarkClientJsonContext : JsonSerializerContext;
