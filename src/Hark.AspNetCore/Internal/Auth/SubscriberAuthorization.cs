namespace Hark.AspNetCore.Internal.Auth;

/// <summary>
/// The gate's answer about one subscription: the problem that refuses it, or the channels it may read (those asked for,
/// or the subset the hook allowed) and, when the hook was just asked, the signed grant to hand the client and its expiry.
/// </summary>
internal sealed record SubscriberAuthorization(Problem? Problem, IReadOnlyList<string> Channels, string? IssuedGrant = null, DateTimeOffset? Expires = null)
{
    /// <summary>The user the credentials named: a token's <c>sub</c>, the hook's <c>user</c> (carried in its grant); null for none.</summary>
    public string? User { get; init; }

    public static SubscriberAuthorization Refused(Problem problem) => new(problem, []);
}
