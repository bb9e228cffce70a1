using System.Buffers;

namespace Hark.AspNetCore.Internal.Transports;

/// <summary>
/// HTTP streaming as newline-delimited JSON: first a <c>{"cursor"}</c> line with the starting cursor, then one
/// message object per line, whose <c>cursor</c> is the subscription's cursor; an empty line is a heartbeat;
/// gap and closed notices are lines of their own.
/// </summary>
internal sealed class NdjsonFormat : IStreamFormat
{
    public string Name => "ndjson";

    public string ContentType => "application/x-ndjson";

    private static readonly object Frames = new();

    public object? SharedKey => Frames;

    public void WriteOpen(IBufferWriter<byte> output, string cursor)
    {
        output.Write("{\"cursor\":\""u8);
        MessageWriter.WriteAscii(output, cursor);
        output.Write("\"}\n"u8);
    }

    public void WriteMessage(IBufferWriter<byte> output, HarkMessage message, string cursor)
    {
        MessageWriter.WriteJson(output, message, cursor);
        output.Write("\n"u8);
    }

    public void WriteGap(IBufferWriter<byte> output, IReadOnlyList<ChannelGap> gaps, string cursor)
    {
        output.Write("{\"gap\":true,\"cursor\":\""u8);
        MessageWriter.WriteAscii(output, cursor);
        output.Write("\",\"gaps\":"u8);
        MessageWriter.WriteGaps(output, gaps);
        output.Write("}\n"u8);
    }

    public void WriteHeartbeat(IBufferWriter<byte> output) => output.Write("\n"u8);

    public void WriteGrant(IBufferWriter<byte> output, string grant)
    {
        output.Write("{\"grant\":\""u8);
        MessageWriter.WriteAscii(output, grant);
        output.Write("\"}\n"u8);
    }

    public void WriteClosed(IBufferWriter<byte> output, string channel)
    {
        output.Write("{\"closed\":true,\"channel\":\""u8);
        MessageWriter.WriteAscii(output, channel);
        output.Write("\"}\n"u8);
    }
}
