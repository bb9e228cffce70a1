namespace Hark.Hub;

/// <summary>A waiter as one channel lists it: the waiter, and which of its positions is this channel's.</summary>
internal readonly record struct HubEntry(Waiter Waiter, int Index)
{
    public ChannelPosition Position => Waiter.Positions[Index];
}
