namespace Hark.Hub;

/// <summary>A waiter's entry in one channel's list of waiters.</summary>
/// <param name="Channel">The channel's list.</param>
/// <param name="Node">The entry; a wake-up swaps the whole list out, after which it is in no live list.</param>
internal readonly record struct HubRegistration(HubChannel Channel, LinkedListNode<HubEntry> Node);
