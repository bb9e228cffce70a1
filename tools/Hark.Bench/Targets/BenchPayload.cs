using System.Text.Json;

namespace Hark.Bench.Targets;

/// <summary>What the bench publishes: a message index and the publisher's <see cref="System.Diagnostics.Stopwatch"/> timestamp.</summary>
internal readonly record struct BenchPayload(long Index, long Timestamp)
{
    public static BenchPayload Parse(JsonElement element) => new(element.GetProperty("i").GetInt64(), element.GetProperty("t").GetInt64());

    public static BenchPayload Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        long index = -1, timestamp = 0;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName)
            {
                var isIndex = reader.ValueTextEquals("i"u8);
                var isTime = reader.ValueTextEquals("t"u8);
                reader.Read();
                if (isIndex)
                {
                    index = reader.GetInt64();
                }
                else if (isTime)
                {
                    timestamp = reader.GetInt64();
                }
            }
        }
        return new BenchPayload(index, timestamp);
    }
}
