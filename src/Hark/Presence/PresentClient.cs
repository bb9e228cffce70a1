namespace Hark.Presence;

/// <summary>A client present on a channel: its id, user (if any), the transport it last came on, and since when.</summary>
public sealed record PresentClient(string Client, string? User, string Transport, DateTimeOffset Since);
