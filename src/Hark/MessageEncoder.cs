using System.Buffers;
using System.Globalization;
using System.Text;

namespace Hark;

internal static class MessageEncoder
{
    public static (byte[] Json, int CursorStart) EncodeJson(HarkMessage message)
    {
        // Channel names, event names and cursors are plain ASCII with nothing to escape,
        // so the object is assembled directly; only the payload needed a JSON writer.
        var buffer = new ArrayBufferWriter<byte>(128 + message.Payload.Json.Length);
        Write(buffer, "{\"channel\":\""u8);
        WriteAscii(buffer, message.Channel);
        Write(buffer, "\",\"seq\":"u8);
        WriteAscii(buffer, message.Seq.ToString(CultureInfo.InvariantCulture));
        Write(buffer, ",\"cursor\":\""u8);
        var cursorStart = buffer.WrittenCount;
        WriteAscii(buffer, message.Cursor);
        Write(buffer, "\",\"time\":\""u8);
        WriteAscii(buffer, FormatTime(message.Time));
        Write(buffer, "\""u8);
        if (message.Event is not null)
        {
            Write(buffer, ",\"event\":\""u8);
            WriteAscii(buffer, message.Event);
            Write(buffer, "\""u8);
        }
        if (message.Version is { } version)
        {
            Write(buffer, ",\"version\":"u8);
            WriteAscii(buffer, version.ToString(CultureInfo.InvariantCulture));
        }
        Write(buffer, ",\"data\":"u8);
        Write(buffer, message.Payload.Json.Span);
        Write(buffer, "}"u8);
        return (buffer.WrittenSpan.ToArray(), cursorStart);
    }

    public static byte[] EncodeSseFields(string? eventName, MessagePayload payload)
    {
        var buffer = new ArrayBufferWriter<byte>(32 + payload.Utf8.Length);
        if (eventName is not null)
        {
            Write(buffer, "event: "u8);
            WriteAscii(buffer, eventName);
            Write(buffer, "\n"u8);
        }
        // SSE ends a field at CR, LF or CRLF, so multi-line text becomes several data: lines,
        // which EventSource joins back with '\n'.
        var rest = payload.Utf8.Span;
        while (true)
        {
            Write(buffer, "data: "u8);
            var end = rest.IndexOfAny((byte)'\r', (byte)'\n');
            if (end < 0)
            {
                Write(buffer, rest);
                Write(buffer, "\n"u8);
                break;
            }
            Write(buffer, rest[..end]);
            Write(buffer, "\n"u8);
            var skip = rest[end] == '\r' && end + 1 < rest.Length && rest[end + 1] == '\n' ? 2 : 1;
            rest = rest[(end + skip)..];
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static void Write(ArrayBufferWriter<byte> buffer, ReadOnlySpan<byte> bytes) => buffer.Write(bytes);

    private static void WriteAscii(ArrayBufferWriter<byte> buffer, string text)
    {
        var span = buffer.GetSpan(text.Length);
        var written = Encoding.ASCII.GetBytes(text, span);
        buffer.Advance(written);
    }
}
