namespace Hark.Presence;

/// <summary>Who is on a channel: the exact <paramref name="Count"/>, and the first of them (earliest first), at most as many as asked.</summary>
public sealed record PresenceSnapshot(int Count, IReadOnlyList<PresentClient> Clients);
