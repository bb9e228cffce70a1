namespace Hark;

/// <summary>
/// Where messages live: a store plus a change feed. Publishing appends to a channel's history; reading returns
/// what is after a cursor; every change is reported to the <see cref="IChannelChangeListener"/> attached with
/// <see cref="Attach"/>. An engine holds no waiters: this node's hub does, for every engine.
/// </summary>
/// <remarks>
/// The contract every engine keeps (the conformance suite checks each):
/// <list type="bullet">
/// <item>Each channel's messages get sequence numbers 1, 2, 3… with no holes, in publish order, within an
/// <see cref="Epoch"/>; a history re-created (deleted, or lost by the store) gets a new epoch.</item>
/// <item><see cref="ReadAsync"/> returns exactly the messages after a position, oldest first, or a
/// <see cref="ChannelGap"/> saying why some are gone; a position with nothing after it comes back unchanged.</item>
/// <item>A cursor from <see cref="GetStartAsync"/> on an empty channel stays valid when its first message comes.</item>
/// <item>A change is reported to the listener after a read can see it; a change a read can see may already have
/// been reported, or be reported later, but never not at all (a feed that was down re-reads
/// <see cref="IChannelChangeListener.WatchedChannels"/> when it is back).</item>
/// </list>
/// </remarks>
public interface IHarkEngine
{
    /// <summary>
    /// Connects the engine's change feed to this node's hub. Called once, before the engine serves; until
    /// then changes are reported to no one.
    /// </summary>
    void Attach(IChannelChangeListener listener);

    /// <summary>Publishes one message.</summary>
    ValueTask<PublishResult> PublishAsync(PublishRequest request, CancellationToken cancellationToken);

    /// <summary>Publishes several messages, in order.</summary>
    ValueTask<IReadOnlyList<PublishResult>> PublishBatchAsync(IReadOnlyList<PublishRequest> requests, CancellationToken cancellationToken);

    /// <summary>The positions a subscription to <paramref name="channels"/> starts from.</summary>
    ValueTask<IReadOnlyList<ChannelPosition>> GetStartAsync(IReadOnlyList<string> channels, StartPoint start, CancellationToken cancellationToken);

    /// <summary>Reads up to <paramref name="max"/> messages after the positions, in publish order.</summary>
    ValueTask<ReadBatch> ReadAsync(IReadOnlyList<ChannelPosition> after, int max, CancellationToken cancellationToken);

    /// <summary>
    /// The state of a channel (a dropped channel still reports its cursor), or null when the engine knows nothing
    /// of it. Its <see cref="ChannelInfo.Subscribers"/> is 0: the hub, which holds the subscribers, fills it in.
    /// </summary>
    ValueTask<ChannelInfo?> GetChannelAsync(string channel, CancellationToken cancellationToken);

    /// <summary>Deletes a channel's history and reports it to the listener. False when it did not exist.</summary>
    ValueTask<bool> DeleteChannelAsync(string channel, CancellationToken cancellationToken);

    /// <summary>How many channels the engine holds now.</summary>
    long ChannelCount { get; }

    /// <summary>Bytes of message history the engine holds now.</summary>
    long HistoryBytes { get; }
}
