namespace Hark.AspNetCore.Internal.Auth;

/// <summary>What the authorization hook allowed one subscription: its channels, the user it named, and until when.</summary>
internal sealed record Grant(IReadOnlyList<string> Channels, string? User, DateTimeOffset Expires);
