namespace Hark.Presence;

/// <summary>A lease the store found lapsed and removed: the client has left <paramref name="Channel"/>.</summary>
public sealed record PresenceExpiry(string Channel, PresentClient Client);
