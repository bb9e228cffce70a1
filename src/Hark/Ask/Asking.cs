namespace Hark.Ask;

/// <summary>An ask in progress (or just ended), which a repeated ask with the same idempotency key joins.</summary>
/// <param name="Token">The reply token.</param>
/// <param name="After">The reply channel's position after the <c>asked</c> marker: the asker waits there.</param>
/// <param name="Expires">When the ask stops waiting.</param>
internal sealed record Asking(string Token, IReadOnlyList<ChannelPosition> After, DateTimeOffset Expires)
{
    /// <summary>True when this ask was made before, with the same key: nothing new was published.</summary>
    public bool Joined { get; init; }
}
