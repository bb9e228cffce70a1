using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Hark.AspNetCore.Internal;

/// <summary>Writes messages from their cached bytes, splicing in a subscription cursor where it differs.</summary>
internal static class MessageWriter
{
    /// <summary>Writes the message's JSON object with <paramref name="cursor"/> as its cursor.</summary>
    public static void WriteJson(IBufferWriter<byte> output, HarkMessage message, string cursor)
    {
        var json = message.Json.AsSpan();
        if (ReferenceEquals(cursor, message.Cursor))
        {
            output.Write(json);
            return;
        }
        output.Write(json[..message.CursorStart]);
        WriteAscii(output, cursor);
        output.Write(json[(message.CursorStart + message.Cursor.Length)..]);
    }

    public static void WriteGaps(IBufferWriter<byte> output, IReadOnlyList<ChannelGap> gaps)
    {
        var bodies = gaps.Select(g => new GapBody(g.Channel, g.Reason == GapReason.Evicted ? "evicted" : "reset", g.Missed)).ToList();
        using var writer = new Utf8JsonWriter(output);
        JsonSerializer.Serialize(writer, bodies, HarkJsonContext.Default.ListGapBody);
    }

    public static void WriteAscii(IBufferWriter<byte> output, string text)
    {
        var span = output.GetSpan(text.Length);
        output.Advance(Encoding.ASCII.GetBytes(text, span));
    }
}
