namespace Hark;

/// <summary>Server-wide bounds an engine enforces, so no flood can take all its memory.</summary>
/// <param name="MaxChannels">Most channels held at once; a publish or subscription that would create one more is refused.</param>
/// <param name="MaxHistoryBytes">Most bytes of history over all channels; a publish beyond it is refused (nothing already stored is dropped).</param>
/// <param name="MaxSubscribersPerChannel">Most subscribers waiting on one channel at once.</param>
public sealed record EngineLimits(long MaxChannels, long MaxHistoryBytes, int MaxSubscribersPerChannel)
{
    /// <summary>The defaults: 1,000,000 channels, 1 GiB of history, 100,000 subscribers per channel.</summary>
    public static EngineLimits Default { get; } = new(1_000_000, 1L << 30, 100_000);
}
