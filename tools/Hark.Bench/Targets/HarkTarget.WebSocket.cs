using System.Text.Json;

namespace Hark.Bench.Targets;

internal sealed partial class HarkTarget
{
    public override WebSocketSubscriber WebSocket(string channel, string? cursor) =>
        new SocketState(WebSocketUri($"/ws?channels={channel}{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}"));

    /// <summary>
    /// Reads <c>/ws</c> frames: a message's place is its <c>seq</c>, not the payload's index, so loss and duplicates
    /// are counted by the server's own numbering; the payload must agree with it. A <c>gap</c>, <c>closed</c> or
    /// <c>error</c> frame ends the subscriber as an error.
    /// </summary>
    private sealed class SocketState(Uri uri) : WebSocketSubscriber
    {
        public override Uri Uri => uri;

        /// <summary>The subscription's latest cursor: where a reconnect would resume.</summary>
        public string? Cursor { get; private set; }

        public override BenchPayload? Accept(ReadOnlySpan<byte> message)
        {
            var reader = new Utf8JsonReader(message);
            reader.Read();
            long seq = -1;
            string? type = null;
            BenchPayload? payload = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("seq"u8) && reader.Read())
                {
                    seq = reader.GetInt64();
                }
                else if (reader.ValueTextEquals("type"u8) && reader.Read())
                {
                    type = reader.GetString();
                }
                else if (reader.ValueTextEquals("cursor"u8) && reader.Read())
                {
                    Cursor = reader.GetString();
                }
                else if (reader.ValueTextEquals("data"u8) && reader.Read())
                {
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    payload = BenchPayload.Parse(message[start..(int)reader.BytesConsumed]);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            if (type is not null)
            {
                return type == "subscribed" ? null : throw new InvalidOperationException($"hark: a '{type}' frame on the socket");
            }
            // The channel is new to the run, so its first message is seq 1 and the bench payload's index 0.
            if (payload is not { } p || p.Index != seq - 1)
            {
                throw new InvalidOperationException($"hark: seq {seq} carried payload {payload?.Index}");
            }
            return p;
        }
    }
}
