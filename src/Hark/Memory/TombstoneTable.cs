namespace Hark.Memory;

/// <summary>Tombstones by channel name, bounded by count; the oldest is forgotten first.</summary>
internal sealed class TombstoneTable(int capacity)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<(string Name, Tombstone Stone)>> _byName = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Name, Tombstone Stone)> _age = new();

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _byName.Count;
            }
        }
    }

    public Tombstone? Find(string name)
    {
        lock (_gate)
        {
            return _byName.TryGetValue(name, out var node) ? node.Value.Stone : null;
        }
    }

    /// <summary>Adds or replaces; returns how many older tombstones were forgotten to stay within capacity.</summary>
    public int Set(string name, Tombstone stone)
    {
        lock (_gate)
        {
            if (_byName.Remove(name, out var old))
            {
                _age.Remove(old);
            }
            _byName[name] = _age.AddLast((name, stone));
            var forgotten = 0;
            while (_byName.Count > capacity && _age.First is { } oldest)
            {
                _age.RemoveFirst();
                _byName.Remove(oldest.Value.Name);
                forgotten++;
            }
            return forgotten;
        }
    }

    /// <summary>Removes the tombstone only if it is still <paramref name="stone"/>.</summary>
    public void Remove(string name, Tombstone stone)
    {
        lock (_gate)
        {
            if (_byName.TryGetValue(name, out var node) && ReferenceEquals(node.Value.Stone, stone))
            {
                _byName.Remove(name);
                _age.Remove(node);
            }
        }
    }
}
