namespace Hark.Hub;

/// <summary>How a wait ended.</summary>
/// <param name="Reason">Why.</param>
/// <param name="Channel">For <see cref="WakeReason.Closed"/> and <see cref="WakeReason.Refused"/>: the channel.</param>
internal readonly record struct WakeResult(WakeReason Reason, string? Channel = null)
{
    /// <summary>
    /// For <see cref="WakeReason.Ready"/>: the one read that every waiter woken at the same position shares, or null
    /// when this waiter reads for itself (several channels, or a position nobody else waits at).
    /// </summary>
    public SharedRead? Shared { get; init; }
}
