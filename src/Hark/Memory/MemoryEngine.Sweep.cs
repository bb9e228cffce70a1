namespace Hark.Memory;

internal sealed partial class MemoryEngine
{
    /// <summary>
    /// Evicts aged messages and drops channels with no history that nobody waits on, keeping a tombstone
    /// for any that had messages so their cursors stay valid.
    /// </summary>
    internal void Sweep()
    {
        foreach (var (_, channel) in _channels)
        {
            var dropped = false;
            lock (channel.Gate)
            {
                if (channel.Dead)
                {
                    continue;
                }
                EvictAged(channel);
                if (channel.History.Count == 0 && !_changes.IsWatched(channel.Name))
                {
                    if (channel.LastSeq > 0 || channel.ResetStamp > 0)
                    {
                        RememberTombstone(channel.Name, new Tombstone(channel.Epoch, channel.LastSeq, channel.ResetStamp, Deleted: false));
                    }
                    channel.Dead = true;
                    dropped = true;
                }
            }
            if (dropped)
            {
                Unlist(channel);
            }
        }
    }
}
