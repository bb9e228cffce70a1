namespace Hark.Presence;

/// <summary>
/// A lease to end: <paramref name="IfUntil"/> is the end its remover last wrote (Unix ms, the store's clock); a lease
/// since renewed further by someone else stays.
/// </summary>
public readonly record struct PresenceRemoval(string Channel, string Client, long IfUntil);
