using System.Text.Json;
using System.Text.Json.Serialization;
using Hark.Bench.Scenarios;

namespace Hark.Bench;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ScenarioResult))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
