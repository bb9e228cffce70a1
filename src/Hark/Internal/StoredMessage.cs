namespace Hark.Internal;

/// <summary>A message read back from a shared store: its payload bytes as published, checked and encoded again.</summary>
internal static class StoredMessage
{
    public static HarkMessage Restore(string channel, Epoch epoch, long seq, DateTimeOffset time, string? eventName, bool isText,
        ReadOnlyMemory<byte> data, long order, long? version, string? traceParent = null)
    {
        MessagePayload? payload;
        if (isText)
        {
            MessagePayload.TryFromText(data.Span, out payload);
        }
        else
        {
            MessagePayload.TryFromJson(data, out payload, out _);
        }
        return new HarkMessage(channel, epoch, seq, time, eventName, payload
            ?? throw new InvalidDataException($"Message {seq} of channel '{channel}' holds a payload that is not valid."), order, version, traceParent);
    }
}
