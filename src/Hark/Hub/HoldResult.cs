namespace Hark.Hub;

/// <summary>How a hold ended, with what it read.</summary>
/// <param name="Reason">
/// <see cref="WakeReason.Ready"/>: <see cref="Batch"/> has messages or a gap. <see cref="WakeReason.Timeout"/> and
/// <see cref="WakeReason.Stopping"/>: <see cref="Batch"/> is empty, at the same positions. <see cref="WakeReason.Closed"/>
/// and <see cref="WakeReason.Refused"/>: <see cref="Channel"/> names the channel. <see cref="WakeReason.Cancelled"/>: nothing.
/// </param>
/// <param name="Batch">What was read.</param>
/// <param name="Shared">When <see cref="Batch"/> is shared with other subscribers: the read, whose answers can be shared too.</param>
/// <param name="Channel">The channel deleted or full.</param>
/// <param name="Waited">False when the answer was there at once, with no wait.</param>
internal readonly record struct HoldResult(WakeReason Reason, ReadBatch? Batch, SharedRead? Shared = null, string? Channel = null, bool Waited = true);
