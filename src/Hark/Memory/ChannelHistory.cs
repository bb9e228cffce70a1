namespace Hark.Memory;

/// <summary>
/// A channel's retained messages as a ring buffer indexed by sequence number, bounded by count,
/// bytes and age. Not thread-safe: the owning channel's lock guards it.
/// </summary>
internal sealed class ChannelHistory
{
    private HarkMessage[] _ring = new HarkMessage[4];
    private int _head;

    public int Count { get; private set; }

    public long Bytes { get; private set; }

    /// <summary>Sequence number of the oldest retained message (meaningless when empty).</summary>
    public long FirstSeq => Count == 0 ? 0 : _ring[_head].Seq;

    public HarkMessage? Newest => Count == 0 ? null : _ring[(_head + Count - 1) % _ring.Length];

    public HarkMessage this[int index] => _ring[(_head + index) % _ring.Length];

    /// <summary>Appends, then evicts the oldest until within bounds. Returns the bytes evicted.</summary>
    public long Append(HarkMessage message, int maxMessages, long maxBytes)
    {
        if (Count == _ring.Length)
        {
            Grow(maxMessages);
        }
        var evicted = 0L;
        if (Count == _ring.Length)
        {
            // Full at the count bound: make room first.
            evicted += RemoveOldest();
        }
        _ring[(_head + Count) % _ring.Length] = message;
        Count++;
        Bytes += message.Size;
        while (Count > 1 && (Count > maxMessages || Bytes > maxBytes))
        {
            evicted += RemoveOldest();
        }
        return evicted;
    }

    /// <summary>Evicts messages published before <paramref name="cutoff"/>. Returns the bytes evicted.</summary>
    public long EvictOlderThan(DateTimeOffset cutoff)
    {
        var evicted = 0L;
        while (Count > 0 && _ring[_head].Time < cutoff)
        {
            evicted += RemoveOldest();
        }
        return evicted;
    }

    public long Clear()
    {
        var bytes = Bytes;
        Array.Clear(_ring);
        _head = 0;
        Count = 0;
        Bytes = 0;
        return bytes;
    }

    private int RemoveOldest()
    {
        var oldest = _ring[_head];
        _ring[_head] = null!;
        _head = (_head + 1) % _ring.Length;
        Count--;
        Bytes -= oldest.Size;
        return oldest.Size;
    }

    private void Grow(int maxMessages)
    {
        var size = (int)Math.Min(Math.Max(maxMessages, 1), (long)_ring.Length * 2);
        if (size <= _ring.Length)
        {
            return;
        }
        var ring = new HarkMessage[size];
        for (var i = 0; i < Count; i++)
        {
            ring[i] = this[i];
        }
        _ring = ring;
        _head = 0;
    }
}
