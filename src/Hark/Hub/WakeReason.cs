namespace Hark.Hub;

/// <summary>Why a wait ended.</summary>
internal enum WakeReason
{
    /// <summary>Something is after the cursor (messages, or a gap) on at least one channel.</summary>
    Ready,

    /// <summary>The deadline passed with nothing new.</summary>
    Timeout,

    /// <summary>A channel was deleted; <see cref="WakeResult.Channel"/> names it.</summary>
    Closed,

    /// <summary>The caller's token was cancelled (for a request: the client went away).</summary>
    Cancelled,

    /// <summary>The server is shutting down.</summary>
    Stopping,

    /// <summary>The channel has the most subscribers allowed (<c>Limits:MaxSubscribersPerChannel</c>); <see cref="WakeResult.Channel"/> names the channel.</summary>
    Refused,
}
