namespace Hark;

/// <summary>Why messages after a cursor are missing.</summary>
public enum GapReason
{
    /// <summary>They were evicted from history (by count, bytes or age).</summary>
    Evicted,

    /// <summary>The cursor's history no longer exists: the channel was deleted, or the server restarted (memory engine).</summary>
    Reset,
}
