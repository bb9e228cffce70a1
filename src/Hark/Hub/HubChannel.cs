namespace Hark.Hub;

/// <summary>The waiters of one channel on this node, under one lock.</summary>
internal sealed class HubChannel(string name)
{
    public string Name { get; } = name;

    public Lock Gate { get; } = new();

    /// <summary>Its waiters. A wake-up swaps the whole list out under the lock and walks it outside.</summary>
    public LinkedList<HubEntry> Waiters { get; set; } = new();

    /// <summary><see cref="Waiters"/>' count, kept beside it so it can be read without the lock.</summary>
    public int Count;

    /// <summary>How many changes were reported for this channel; a wake-up carries the count it saw.</summary>
    public long Reports { get; set; }

    /// <summary>
    /// Where a shared read found the channel's newest message, the report count it was woken by, and the read itself:
    /// while no change has been reported since, a subscriber registering at that position has nothing to read yet, one
    /// registering at the read's own position (a late re-poll) is answered from it, and a new subscriber starts there.
    /// This is the node's cache of a hot channel: its newest position and its newest messages, with no store read.
    /// </summary>
    public (ChannelPosition Position, long Reports, SharedRead? Read)? Head { get; set; }

    /// <summary>
    /// The read of the last subscriber that registered with something to read, while it is under way: others joining at
    /// the same position, with no change reported since it began, share it instead of reading the store each.
    /// </summary>
    public SharedRead? Joining { get; set; }

    /// <summary>Set by a sweep that found <see cref="Head"/>; the next sweep forgets a head still marked so.</summary>
    public bool HeadAged { get; set; }

    /// <summary>
    /// The newest position an append report has named (forgotten on a delete or reset): a report of messages published
    /// here that names a later one knows them to be the newest.
    /// </summary>
    public ChannelPosition? LastReported { get; set; }

    /// <summary>Set when a waiter registers; the sweep forgets a channel that stayed empty and untouched for a whole period.</summary>
    public bool Touched { get; set; } = true;

    /// <summary>Set under the lock when the sweep forgets the channel; whoever finds it set looks it up again.</summary>
    public bool Dead { get; set; }
}
