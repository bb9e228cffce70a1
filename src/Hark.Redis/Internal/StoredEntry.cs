using System.Buffers.Text;
using System.Text;
using Hark.Internal;

namespace Hark.Redis.Internal;

/// <summary>
/// A message as a history list holds it: <c>{order} {time µs} {size} {version|-} {t|j} {event length} {event}{payload}</c>.
/// The publish script writes the order in front; the trim reads time and size from the head.
/// </summary>
internal static class StoredEntry
{
    /// <summary>The entry without its order, as the publish script takes it.</summary>
    public static byte[] Encode(PublishRequest request, long timeMicros)
    {
        var head = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{timeMicros} {HistoryWindow.StoredSize(request)} {(request.Version is { } v ? v.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-")} {(request.Payload.IsText ? 't' : 'j')} {request.Event?.Length ?? 0} {request.Event}");
        var payload = request.Payload.Utf8.Span;
        var entry = new byte[Encoding.ASCII.GetByteCount(head) + payload.Length];
        var written = Encoding.ASCII.GetBytes(head, entry);
        payload.CopyTo(entry.AsSpan(written));
        return entry;
    }

    /// <summary>Restores the message of an entry the read script returned.</summary>
    public static HarkMessage Decode(string channel, Epoch epoch, long seq, byte[] entry)
    {
        var rest = entry.AsMemory();
        var order = Number(ref rest);
        var time = Number(ref rest);
        Number(ref rest);
        long? version = rest.Span[0] == (byte)'-' ? Skip(ref rest, 2) : Number(ref rest);
        var isText = rest.Span[0] == (byte)'t';
        rest = rest[2..];
        var eventLength = (int)Number(ref rest);
        var eventName = eventLength == 0 ? null : Encoding.ASCII.GetString(rest.Span[..eventLength]);
        return StoredMessage.Restore(channel, epoch, seq, DateTimeOffset.UnixEpoch.AddTicks(time * 10), eventName, isText,
            rest[eventLength..], order, version);
    }

    /// <summary>The time (µs since the Unix epoch) the node writes into an entry.</summary>
    public static long Micros(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    private static long Number(ref Memory<byte> rest)
    {
        var span = rest.Span;
        var space = span.IndexOf((byte)' ');
        if (space <= 0 || !Utf8Parser.TryParse(span[..space], out long value, out var consumed) || consumed != space)
        {
            throw new InvalidDataException("A Redis history entry is not Hark's.");
        }
        rest = rest[(space + 1)..];
        return value;
    }

    private static long? Skip(ref Memory<byte> rest, int count)
    {
        rest = rest[count..];
        return null;
    }
}
