using System.Buffers;

namespace Hark.AspNetCore.Internal.Transports;

/// <summary>
/// A long-poll answer's JSON body, <c>{"messages":[…],"cursor":"…","gap":false}</c>, built from the messages'
/// cached bytes. Each message's cursor is the subscription's cursor after it: the message's own for one
/// channel, a token spliced in for several. Knowing them up front gives the exact length before writing.
/// </summary>
internal readonly struct LongPollBody
{
    public const string ContentType = "application/json; charset=utf-8";

    private readonly IReadOnlyList<HarkMessage> _messages;
    private readonly string[]? _cursors;
    private readonly string _final;
    private readonly byte[]? _gaps;

    public LongPollBody(IReadOnlyList<ChannelPosition> positions, ReadBatch batch)
    {
        _messages = batch.Messages;
        if (positions.Count > 1 || batch.Gaps.Count > 0)
        {
            var cursor = new SubscriptionCursor(positions);
            cursor.SkipGaps(batch);
            _cursors = new string[_messages.Count];
            for (var i = 0; i < _messages.Count; i++)
            {
                _cursors[i] = cursor.Advance(_messages[i]);
            }
        }
        var length = 0;
        for (var i = 0; i < _messages.Count; i++)
        {
            length += _messages[i].Json.Length + (_cursors is null ? 0 : _cursors[i].Length - _messages[i].Cursor.Length);
        }
        _final = _messages.Count > 0 && positions.Count == 1 ? _messages[^1].Cursor : Cursor.Format(batch.Positions);
        if (batch.Gaps.Count > 0)
        {
            var buffer = new ArrayBufferWriter<byte>(128);
            MessageWriter.WriteGaps(buffer, batch.Gaps);
            _gaps = buffer.WrittenSpan.ToArray();
        }
        Length = length + Open.Length + Math.Max(0, _messages.Count - 1) + Middle.Length + _final.Length
            + (_gaps is null ? NoGap.Length : WithGaps.Length + _gaps.Length + 1);
    }

    /// <summary>The body's length in bytes.</summary>
    public int Length { get; }

    /// <summary>The body as bytes, for an answer many polls share.</summary>
    public byte[] ToArray()
    {
        var buffer = new ArrayBufferWriter<byte>(Length);
        WriteTo(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    public void WriteTo(IBufferWriter<byte> output)
    {
        output.Write(Open);
        for (var i = 0; i < _messages.Count; i++)
        {
            if (i > 0)
            {
                output.Write(","u8);
            }
            MessageWriter.WriteJson(output, _messages[i], _cursors?[i] ?? _messages[i].Cursor);
        }
        output.Write(Middle);
        MessageWriter.WriteAscii(output, _final);
        if (_gaps is null)
        {
            output.Write(NoGap);
        }
        else
        {
            output.Write(WithGaps);
            output.Write(_gaps);
            output.Write("}"u8);
        }
    }

    private static ReadOnlySpan<byte> Open => "{\"messages\":["u8;

    private static ReadOnlySpan<byte> Middle => "],\"cursor\":\""u8;

    private static ReadOnlySpan<byte> NoGap => "\",\"gap\":false}"u8;

    private static ReadOnlySpan<byte> WithGaps => "\",\"gap\":true,\"gaps\":"u8;
}
