namespace Hark.Hub;

/// <summary>
/// The busiest channels by messages published, counted from the engine's reports while someone (the operator's
/// dashboard) asks for it: a Space-Saving sketch of a fixed number of counters, so a million channels cost as much
/// as a hundred, and a count is never below the truth (a counter taken over from another channel carries that
/// channel's count as its possible error).
/// </summary>
/// <remarks>
/// A report says the channel's newest sequence number, not how many messages came: the sketch keeps each counted
/// channel's last seen number and counts the difference (one when it does not know the channel, or the epoch changed).
/// </remarks>
internal sealed class ChannelActivity(int capacity)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _index = new(capacity, StringComparer.Ordinal);
    private readonly Entry[] _entries = new Entry[capacity];
    private int _count;

    /// <summary>One channel's count since the last <see cref="Take"/>.</summary>
    public readonly record struct Top(string Channel, long Messages);

    public void Appended(string channel, Epoch epoch, long lastSeq)
    {
        lock (_lock)
        {
            if (_index.TryGetValue(channel, out var i))
            {
                ref var entry = ref _entries[i];
                entry.Count += entry.Epoch == epoch && lastSeq > entry.LastSeq ? lastSeq - entry.LastSeq : 1;
                entry.Epoch = epoch;
                entry.LastSeq = Math.Max(entry.LastSeq, lastSeq);
                return;
            }
            if (_count < _entries.Length)
            {
                _entries[_count] = new Entry { Channel = channel, Epoch = epoch, LastSeq = lastSeq, Count = 1 };
                _index[channel] = _count++;
                return;
            }
            var least = 0;
            for (var j = 1; j < _entries.Length; j++)
            {
                if (_entries[j].Count < _entries[least].Count)
                {
                    least = j;
                }
            }
            _index.Remove(_entries[least].Channel);
            _entries[least] = new Entry { Channel = channel, Epoch = epoch, LastSeq = lastSeq, Count = _entries[least].Count + 1 };
            _index[channel] = least;
        }
    }

    /// <summary>The <paramref name="n"/> channels counted highest since the last call, highest first; the counts start again.</summary>
    public IReadOnlyList<Top> Take(int n)
    {
        Top[] all;
        lock (_lock)
        {
            all = new Top[_count];
            for (var i = 0; i < _count; i++)
            {
                all[i] = new Top(_entries[i].Channel, _entries[i].Count);
                // The channel stays known (its last number), so the next interval counts its messages exactly.
                _entries[i].Count = 0;
            }
        }
        Array.Sort(all, static (a, b) => b.Messages.CompareTo(a.Messages));
        return [.. all.Where(t => t.Messages > 0).Take(n)];
    }

    private struct Entry
    {
        public string Channel;
        public Epoch Epoch;
        public long LastSeq;
        public long Count;
    }
}
