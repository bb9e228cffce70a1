using System.Buffers;
using System.Globalization;
using Hark.AspNetCore.Internal.Transports;
using Microsoft.Extensions.Logging;

namespace Hark.AspNetCore.Internal.Nchan;

/// <summary>
/// Nchan's EventSource framing for <see cref="StreamTransport"/>: <c>id:</c> is the Nchan message id (so
/// <c>Last-Event-ID</c> resumes), <c>event:</c> the publisher's <c>X-EventSource-Event</c> (left out when none),
/// <c>data:</c> the payload. The opening carries the subscriber's start as an <c>id:</c> with no data, so a reconnect
/// before the first message resumes from there too; a gap is a comment with a fresh <c>id:</c>.
/// </summary>
internal sealed class NchanEventSourceFormat(NchanIds ids, TimeSpan reconnectDelay, string channel, ILogger logger) : IStreamFormat
{
    private static readonly object Frames = new();

    public string Name => "sse";

    public string Door => NchanGaps.Door;

    public string ContentType => "text/event-stream";

    // A message's frame depends on the message alone: every stream woken at one position shares them.
    public object? SharedKey => Frames;

    public void WriteOpen(IBufferWriter<byte> output, string cursor)
    {
        output.Write(":ok\nretry: "u8);
        MessageWriter.WriteAscii(output, ((long)reconnectDelay.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        output.Write("\n"u8);
        WriteId(output, cursor);
        output.Write("\n"u8);
    }

    public void WriteMessage(IBufferWriter<byte> output, HarkMessage message, string cursor)
    {
        if (ids.Of(message.Position) is { } id)
        {
            output.Write("id: "u8);
            MessageWriter.WriteAscii(output, id.ToString());
            output.Write("\n"u8);
        }
        output.Write(message.SseFields);
        output.Write("\n"u8);
    }

    public void WriteGap(IBufferWriter<byte> output, IReadOnlyList<ChannelGap> gaps, string cursor)
    {
        // The transport counts it; the door logs it and says so in a comment, which EventSource skips.
        NchanGaps.Log(logger, channel, Name, gaps);
        output.Write(":gap "u8);
        MessageWriter.WriteAscii(output, NchanGaps.Describe(gaps));
        output.Write("\n"u8);
        WriteId(output, cursor);
        output.Write("\n"u8);
    }

    public void WriteHeartbeat(IBufferWriter<byte> output) => output.Write(":\n\n"u8);

    /// <summary>Nothing: NchanSubscriber.js sends no grant back, so the door asks the hook per connection, as Nchan's authorize request does.</summary>
    public void WriteGrant(IBufferWriter<byte> output, string grant)
    {
    }

    public void WriteClosed(IBufferWriter<byte> output, string name) => output.Write(":channel deleted\n\n"u8);

    private void WriteId(IBufferWriter<byte> output, string cursor)
    {
        if (Cursor.TryParse(cursor, out var epoch, out var seq) && ids.Of(epoch, seq) is { } id)
        {
            output.Write("id: "u8);
            MessageWriter.WriteAscii(output, id.ToString());
            output.Write("\n"u8);
        }
    }
}
