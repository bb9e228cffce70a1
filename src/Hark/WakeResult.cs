namespace Hark;

/// <summary>How a wait ended.</summary>
/// <param name="Reason">Why.</param>
/// <param name="Channel">For <see cref="WakeReason.Closed"/>: the deleted channel.</param>
public readonly record struct WakeResult(WakeReason Reason, string? Channel = null);
