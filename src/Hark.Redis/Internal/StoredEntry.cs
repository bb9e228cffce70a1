using System.Buffers.Text;
using System.Text;
using Hark.Internal;

namespace Hark.Redis.Internal;

/// <summary>
/// A message as a history list holds it: <c>{order} {time µs} {size} {version|-} {t|j} {event length} {event}{payload}</c>,
/// or, for a traced publish, <c>{T|J} {traceparent}</c> in place of <c>{t|j}</c> (entries written before traces read as
/// they always did). The publish script writes the order in front; the trim reads time and size from the head.
/// </summary>
internal static class StoredEntry
{
    /// <summary>The entry without its order, as the publish script takes it.</summary>
    public static byte[] Encode(PublishRequest request, long timeMicros)
    {
        var head = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{timeMicros} {HistoryWindow.StoredSize(request)} {(request.Version is { } v ? v.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-")} {Kind(request)} {request.Event?.Length ?? 0} {request.Event}");
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
        var kind = rest.Span[0];
        var isText = kind is (byte)'t' or (byte)'T';
        rest = rest[2..];
        string? traceParent = null;
        if (kind is (byte)'T' or (byte)'J')
        {
            var space = rest.Span.IndexOf((byte)' ');
            if (space <= 0)
            {
                throw new InvalidDataException("A Redis history entry is not Hark's.");
            }
            traceParent = Encoding.ASCII.GetString(rest.Span[..space]);
            rest = rest[(space + 1)..];
        }
        var eventLength = (int)Number(ref rest);
        var eventName = eventLength == 0 ? null : Encoding.ASCII.GetString(rest.Span[..eventLength]);
        return StoredMessage.Restore(channel, epoch, seq, DateTimeOffset.UnixEpoch.AddTicks(time * 10), eventName, isText,
            rest[eventLength..], order, version, traceParent);
    }

    // A traceparent is W3C's "00-{trace}-{span}-{flags}": hex and dashes, never a space, so it ends at the next one.
    private static string Kind(PublishRequest request) => request.TraceParent is { } trace
        ? (request.Payload.IsText ? "T " : "J ") + trace
        : request.Payload.IsText ? "t" : "j";

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
