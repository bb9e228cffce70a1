namespace Hark.Presence;

/// <summary>One client on one channel, as a node renews it: its id, the user its credentials named (if any), its transport.</summary>
public sealed record PresenceEntry(string Channel, string Client, string? User, string Transport);
