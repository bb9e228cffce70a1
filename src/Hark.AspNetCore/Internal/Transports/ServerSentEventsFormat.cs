using System.Buffers;
using System.Globalization;

namespace Hark.AspNetCore.Internal.Transports;

/// <summary>
/// Server-Sent Events: <c>id:</c> is the cursor (so <c>Last-Event-ID</c> resumes), <c>event:</c> the
/// event name (left out when there is none, so <c>onmessage</c> sees it), <c>data:</c> the payload, or
/// the whole message object when the subscriber asked for <c>envelope</c>.
/// </summary>
internal sealed class ServerSentEventsFormat(TimeSpan reconnectDelay, bool envelope) : IStreamFormat
{
    public string Name => "sse";

    public string ContentType => "text/event-stream";

    public void WriteOpen(IBufferWriter<byte> output)
    {
        // A first comment makes browsers fire 'open' at once; retry: sets their reconnect delay.
        output.Write(":ok\nretry: "u8);
        MessageWriter.WriteAscii(output, ((long)reconnectDelay.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        output.Write("\n\n"u8);
    }

    public void WriteMessage(IBufferWriter<byte> output, HarkMessage message, string cursor)
    {
        output.Write("id: "u8);
        MessageWriter.WriteAscii(output, cursor);
        output.Write("\n"u8);
        if (envelope)
        {
            if (message.Event is not null)
            {
                output.Write("event: "u8);
                MessageWriter.WriteAscii(output, message.Event);
                output.Write("\n"u8);
            }
            output.Write("data: "u8);
            MessageWriter.WriteJson(output, message, cursor);
            output.Write("\n\n"u8);
            return;
        }
        output.Write(message.SseFields);
        output.Write("\n"u8);
    }

    public void WriteGap(IBufferWriter<byte> output, IReadOnlyList<ChannelGap> gaps, string cursor)
    {
        output.Write("id: "u8);
        MessageWriter.WriteAscii(output, cursor);
        output.Write("\nevent: gap\ndata: {\"cursor\":\""u8);
        MessageWriter.WriteAscii(output, cursor);
        output.Write("\",\"gaps\":"u8);
        MessageWriter.WriteGaps(output, gaps);
        output.Write("}\n\n"u8);
    }

    public void WriteHeartbeat(IBufferWriter<byte> output) => output.Write(":\n\n"u8);

    public void WriteClosed(IBufferWriter<byte> output, string channel)
    {
        output.Write("event: closed\ndata: {\"channel\":\""u8);
        MessageWriter.WriteAscii(output, channel);
        output.Write("\"}\n\n"u8);
    }
}
