namespace Hark;

/// <summary>The listener an engine reports to before it is attached to a hub: nobody waits, so nothing is woken.</summary>
public sealed class NoChangeListener : IChannelChangeListener
{
    /// <summary>The one instance.</summary>
    public static NoChangeListener Instance { get; } = new();

    private NoChangeListener()
    {
    }

    /// <inheritdoc />
    public int Appended(string channel, Epoch epoch, long lastSeq) => 0;

    /// <inheritdoc />
    public int Deleted(string channel, Func<ChannelPosition, bool>? closes) => 0;

    /// <inheritdoc />
    public int Reset(string channel) => 0;

    /// <inheritdoc />
    public bool IsWatched(string channel) => false;

    /// <inheritdoc />
    public IReadOnlyCollection<string> WatchedChannels() => [];
}
