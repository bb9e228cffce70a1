namespace Hark.Presence;

/// <summary>What a renewal did: whether the lease is new (the client joined), and its end in the store's clock (Unix ms).</summary>
public readonly record struct LeaseRenewal(bool Joined, long Until);
