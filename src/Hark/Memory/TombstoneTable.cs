namespace Hark.Memory;

/// <summary>
/// Tombstones by channel name, bounded by count; the oldest is forgotten first, and <paramref name="forgetting"/>
/// hears of each one under the table's lock, so nobody can see a tombstone gone before its loss is recorded.
/// </summary>
internal sealed class TombstoneTable(int capacity, Action<string, Tombstone> forgetting)
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

    /// <summary>Adds or replaces, forgetting the oldest tombstones beyond capacity.</summary>
    public void Set(string name, Tombstone stone)
    {
        lock (_gate)
        {
            if (_byName.Remove(name, out var old))
            {
                _age.Remove(old);
            }
            _byName[name] = _age.AddLast((name, stone));
            while (_byName.Count > capacity && _age.First is { } oldest)
            {
                forgetting(oldest.Value.Name, oldest.Value.Stone);
                _age.RemoveFirst();
                _byName.Remove(oldest.Value.Name);
            }
        }
    }

    /// <summary>Replaces the tombstone only if it is still <paramref name="expected"/>.</summary>
    public bool TryReplace(string name, Tombstone expected, Tombstone replacement)
    {
        lock (_gate)
        {
            if (!_byName.TryGetValue(name, out var node) || !ReferenceEquals(node.Value.Stone, expected))
            {
                return false;
            }
            node.Value = (name, replacement);
            return true;
        }
    }

    /// <summary>Takes the tombstone away only if it is still <paramref name="stone"/>; false when someone else got there first.</summary>
    public bool TryTake(string name, Tombstone stone)
    {
        lock (_gate)
        {
            if (!_byName.TryGetValue(name, out var node) || !ReferenceEquals(node.Value.Stone, stone))
            {
                return false;
            }
            _byName.Remove(name);
            _age.Remove(node);
            return true;
        }
    }

    /// <summary>Puts a tombstone back unless the name has one again.</summary>
    public void Restore(string name, Tombstone stone)
    {
        lock (_gate)
        {
            if (!_byName.ContainsKey(name))
            {
                _byName[name] = _age.AddLast((name, stone));
            }
        }
    }
}
