namespace Hark.AspNetCore.Internal;

/// <summary>
/// A subscription's position as messages go out: the per-channel positions, and the cursor string a
/// client resumes from (the single-channel form for one channel, the token for several).
/// </summary>
internal sealed class SubscriptionCursor
{
    private readonly ChannelPosition[] _positions;

    public SubscriptionCursor(IReadOnlyList<ChannelPosition> positions)
    {
        _positions = [.. positions];
    }

    public IReadOnlyList<ChannelPosition> Positions => _positions;

    public bool IsSingle => _positions.Length == 1;

    public string Current => Cursor.Format(_positions);

    public void Set(IReadOnlyList<ChannelPosition> positions)
    {
        for (var i = 0; i < _positions.Length; i++)
        {
            _positions[i] = positions[i];
        }
    }

    /// <summary>Moves past one message and returns the cursor right after it.</summary>
    public string Advance(HarkMessage message)
    {
        for (var i = 0; i < _positions.Length; i++)
        {
            if (string.Equals(_positions[i].Channel, message.Channel, StringComparison.Ordinal))
            {
                _positions[i] = message.Position;
                break;
            }
        }
        return IsSingle ? message.Cursor : Cursor.FormatToken(_positions);
    }

    /// <summary>
    /// Walks <paramref name="batch"/> as every stream and socket sends it: the gap notice first, with a cursor that already
    /// accounts for the gap, then each message with the cursor right after it; then stands at the batch's positions.
    /// </summary>
    public void Walk<TSink>(ReadBatch batch, ref TSink sink)
        where TSink : IBatchSink
    {
        if (batch.Gaps.Count > 0)
        {
            SkipGaps(batch);
            sink.Gap(batch.Gaps, Current);
        }
        foreach (var message in batch.Messages)
        {
            sink.Message(message, Advance(message));
        }
        Set(batch.Positions);
    }

    /// <summary>
    /// Moves a gapped channel to just before its first message in <paramref name="batch"/> (or to where the
    /// batch left it), so a gap notice can carry a cursor that already acknowledges the gap.
    /// </summary>
    public void SkipGaps(ReadBatch batch)
    {
        for (var i = 0; i < _positions.Length; i++)
        {
            var channel = _positions[i].Channel;
            if (!batch.Gaps.Any(g => string.Equals(g.Channel, channel, StringComparison.Ordinal)))
            {
                continue;
            }
            var first = batch.Messages.FirstOrDefault(m => string.Equals(m.Channel, channel, StringComparison.Ordinal));
            _positions[i] = first is null ? batch.Positions[i] : first.Position with { Seq = first.Seq - 1 };
        }
    }
}
