namespace Hark;

/// <summary>
/// A published message. Its wire forms (the JSON object and the SSE event body) are built once,
/// when it is published, and every subscriber's response reuses those bytes.
/// </summary>
public sealed class HarkMessage
{
    /// <summary>Makes a message as an engine stores it, and encodes its wire forms once.</summary>
    /// <param name="channel">The channel (a valid <see cref="ChannelName"/>).</param>
    /// <param name="epoch">The history it belongs to.</param>
    /// <param name="seq">Its sequence number in that history, from 1.</param>
    /// <param name="time">When it was published.</param>
    /// <param name="eventName">The event name, or null.</param>
    /// <param name="payload">The payload.</param>
    /// <param name="order">The engine's publish order over all channels (see <see cref="Order"/>).</param>
    /// <param name="version">The publisher's version, or null.</param>
    public HarkMessage(string channel, Epoch epoch, long seq, DateTimeOffset time, string? eventName, MessagePayload payload, long order, long? version)
        : this(channel, epoch, seq, time, eventName, payload, order, version, traceParent: null)
    {
    }

    /// <summary>Makes a message as an engine stores it, with the trace context of its publish.</summary>
    /// <param name="channel">The channel (a valid <see cref="ChannelName"/>).</param>
    /// <param name="epoch">The history it belongs to.</param>
    /// <param name="seq">Its sequence number in that history, from 1.</param>
    /// <param name="time">When it was published.</param>
    /// <param name="eventName">The event name, or null.</param>
    /// <param name="payload">The payload.</param>
    /// <param name="order">The engine's publish order over all channels (see <see cref="Order"/>).</param>
    /// <param name="version">The publisher's version, or null.</param>
    /// <param name="traceParent">The publish's W3C <c>traceparent</c>, or null (see <see cref="TraceParent"/>).</param>
    public HarkMessage(string channel, Epoch epoch, long seq, DateTimeOffset time, string? eventName, MessagePayload payload, long order, long? version,
        string? traceParent)
    {
        TraceParent = traceParent;
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(payload);
        Version = version;
        Channel = channel;
        Epoch = epoch;
        Seq = seq;
        Time = time;
        Event = eventName;
        Payload = payload;
        Order = order;
        Cursor = Hark.Cursor.Format(epoch, seq);
        (Json, CursorStart) = MessageEncoder.EncodeJson(this);
        SseFields = MessageEncoder.EncodeSseFields(eventName, payload);
    }

    /// <summary>The channel it was published to.</summary>
    public string Channel { get; }

    /// <summary>The history it belongs to.</summary>
    public Epoch Epoch { get; }

    /// <summary>Its per-channel sequence number, from 1, with no holes.</summary>
    public long Seq { get; }

    /// <summary>When it was published (UTC).</summary>
    public DateTimeOffset Time { get; }

    /// <summary>The event name, or null.</summary>
    public string? Event { get; }

    /// <summary>The publisher's version of the state it carries, or null (see <see cref="PublishRequest.Version"/>).</summary>
    public long? Version { get; }

    /// <summary>The payload.</summary>
    public MessagePayload Payload { get; }

    /// <summary>
    /// The W3C <c>traceparent</c> of the publish that made it, or null when the publish was not traced. Engines store
    /// it with the message, so a delivery on any node joins the publish's trace. Never sent to subscribers.
    /// </summary>
    public string? TraceParent { get; }

    /// <summary>Its single-channel cursor, <c>{epoch}:{seq}</c>.</summary>
    public string Cursor { get; }

    /// <summary>The position right after this message.</summary>
    public ChannelPosition Position => new(Channel, Epoch, Seq);

    /// <summary>Bytes held in history for it (payload, names and encodings).</summary>
    public int Size => Json.Length + SseFields.Length + Payload.Size + (Payload.IsText ? Payload.Json.Length : 0);

    /// <summary>
    /// Engine-wide publish order: a later publish (to any channel) has a larger one. A read of several channels
    /// merges them by it into one ordered batch.
    /// </summary>
    public long Order { get; }

    /// <summary>The message as a JSON object, <c>{"channel","seq","cursor","time","event"?,"version"?,"data"}</c>.</summary>
    internal byte[] Json { get; }

    /// <summary>Where the cursor's characters start in <see cref="Json"/>, so another cursor can be spliced in.</summary>
    internal int CursorStart { get; }

    /// <summary>The SSE fields after <c>id:</c>: an <c>event:</c> line when named, then <c>data:</c> lines.</summary>
    internal byte[] SseFields { get; }
}
