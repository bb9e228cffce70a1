using System.Buffers;

namespace Hark.AspNetCore.Internal.Transports;

/// <summary>How a streaming transport frames what it sends; the loop around it is shared.</summary>
internal interface IStreamFormat
{
    string Name { get; }

    string ContentType { get; }

    /// <summary>The front door whose framing this is, in metrics: <c>hark</c>, or <c>nchan</c> for the Nchan-compatible door.</summary>
    string Door => "hark";

    /// <summary>
    /// Names how this format frames messages, when that depends only on the message and its cursor: streams of the
    /// same key woken at one cursor share one copy of the frames. Null for none.
    /// </summary>
    object? SharedKey { get; }

    /// <summary>
    /// What goes first: it shows the stream open and carries the starting cursor, so a client that loses
    /// the stream before its first message still resumes from where it began, not from "now".
    /// </summary>
    void WriteOpen(IBufferWriter<byte> output, string cursor);

    void WriteMessage(IBufferWriter<byte> output, HarkMessage message, string cursor);

    void WriteGap(IBufferWriter<byte> output, IReadOnlyList<ChannelGap> gaps, string cursor);

    void WriteHeartbeat(IBufferWriter<byte> output);

    /// <summary>The grant the authorization hook issued for this subscription (base64url and dots: plain ASCII).</summary>
    void WriteGrant(IBufferWriter<byte> output, string grant);

    void WriteClosed(IBufferWriter<byte> output, string channel);
}
