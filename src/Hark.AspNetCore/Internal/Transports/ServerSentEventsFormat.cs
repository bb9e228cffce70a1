using System.Buffers;
using System.Globalization;
using System.Text;

namespace Hark.AspNetCore.Internal.Transports;

/// <summary>
/// Server-Sent Events: <c>id:</c> is the cursor (so <c>Last-Event-ID</c> resumes), <c>event:</c> the
/// event name (left out when there is none, so <c>onmessage</c> sees it), <c>data:</c> the payload; or,
/// when the subscriber asked for <c>envelope</c>, no <c>event:</c> line and the whole message object as data.
/// </summary>
internal sealed class ServerSentEventsFormat(TimeSpan reconnectDelay, bool envelope) : IStreamFormat
{
    public string Name => "sse";

    public string ContentType => "text/event-stream";

    private static readonly object PlainFrames = new(), EnvelopeFrames = new();

    // The reconnect delay is in the opening only: messages are framed alike with or without it.
    public object? SharedKey => envelope ? EnvelopeFrames : PlainFrames;

    public void WriteOpen(IBufferWriter<byte> output, string cursor)
    {
        // A first comment makes browsers fire 'open' at once; retry: sets their reconnect delay; an id:
        // with no data sets EventSource's last event ID without firing an event, so even a reconnect
        // before the first message sends Last-Event-ID.
        output.Write(":ok\nretry: "u8);
        MessageWriter.WriteAscii(output, ((long)reconnectDelay.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        output.Write("\nid: "u8);
        MessageWriter.WriteAscii(output, cursor);
        output.Write("\n\n"u8);
    }

    public void WriteMessage(IBufferWriter<byte> output, HarkMessage message, string cursor)
    {
        if (!envelope && TryWriteInOneSpan(output, message.SseFields, cursor))
        {
            return;
        }
        WriteIdLine(output, cursor);
        if (envelope)
        {
            // No event: line: the name is inside the envelope, and an unregistered event type would
            // be invisible to onmessage, so one handler sees every message.
            output.Write("data: "u8);
            MessageWriter.WriteJson(output, message, cursor);
            output.Write("\n\n"u8);
            return;
        }
        output.Write(message.SseFields);
        output.Write("\n"u8);
    }

    /// <summary>Events up to this size are written in one piece: with a chunk's framing they still fit one of the server's 4 KiB buffers.</summary>
    private const int OneSpanLimit = 4096 - 16;

    private static ReadOnlySpan<byte> IdField => "id: "u8;

    /// <summary>
    /// Writes a message's <c>id:</c> line and its fields with one span: every GetSpan and Advance on a response
    /// writer costs a lock and bookkeeping, and a fan-out writes millions of events. False for a large event.
    /// </summary>
    private static bool TryWriteInOneSpan(IBufferWriter<byte> output, byte[] fields, string cursor)
    {
        var length = IdField.Length + cursor.Length + 1 + fields.Length + 1;
        if (length > OneSpanLimit)
        {
            return false;
        }
        var span = output.GetSpan(length);
        IdField.CopyTo(span);
        var at = IdField.Length + Encoding.ASCII.GetBytes(cursor, span[IdField.Length..]);
        span[at++] = (byte)'\n';
        fields.CopyTo(span[at..]);
        at += fields.Length;
        span[at++] = (byte)'\n';
        output.Advance(at);
        return true;
    }

    private static void WriteIdLine(IBufferWriter<byte> output, string cursor)
    {
        output.Write(IdField);
        MessageWriter.WriteAscii(output, cursor);
        output.Write("\n"u8);
    }

    public void WriteGap(IBufferWriter<byte> output, IReadOnlyList<ChannelGap> gaps, string cursor)
    {
        WriteIdLine(output, cursor);
        output.Write("event: gap\ndata: {\"cursor\":\""u8);
        MessageWriter.WriteAscii(output, cursor);
        output.Write("\",\"gaps\":"u8);
        MessageWriter.WriteGaps(output, gaps);
        output.Write("}\n\n"u8);
    }

    public void WriteHeartbeat(IBufferWriter<byte> output) => output.Write(":\n\n"u8);

    public void WriteGrant(IBufferWriter<byte> output, string grant)
    {
        output.Write("event: grant\ndata: {\"grant\":\""u8);
        MessageWriter.WriteAscii(output, grant);
        output.Write("\"}\n\n"u8);
    }

    public void WriteClosed(IBufferWriter<byte> output, string channel)
    {
        output.Write("event: closed\ndata: {\"channel\":\""u8);
        MessageWriter.WriteAscii(output, channel);
        output.Write("\"}\n\n"u8);
    }
}
