namespace Hark;

/// <summary>
/// Where messages live: the one seam between the transports and storage. Publishing appends to a
/// channel's history and wakes its waiters; reading returns what is after a cursor; waiting holds
/// no thread until something is after a cursor on any of several channels.
/// </summary>
public interface IHarkEngine
{
    /// <summary>Publishes one message.</summary>
    ValueTask<PublishResult> PublishAsync(PublishRequest request, CancellationToken cancellationToken);

    /// <summary>Publishes several messages, in order.</summary>
    ValueTask<IReadOnlyList<PublishResult>> PublishBatchAsync(IReadOnlyList<PublishRequest> requests, CancellationToken cancellationToken);

    /// <summary>The positions a subscription to <paramref name="channels"/> starts from.</summary>
    ValueTask<IReadOnlyList<ChannelPosition>> GetStartAsync(IReadOnlyList<string> channels, StartPoint start, CancellationToken cancellationToken);

    /// <summary>Reads up to <paramref name="max"/> messages after the positions, in publish order.</summary>
    ValueTask<ReadBatch> ReadAsync(IReadOnlyList<ChannelPosition> after, int max, CancellationToken cancellationToken);

    /// <summary>
    /// Waits until something is after one of the positions, the timeout passes, a channel is deleted,
    /// the token is cancelled or the server stops. Returns at once when something is already there.
    /// </summary>
    ValueTask<WakeResult> WaitAsync(IReadOnlyList<ChannelPosition> after, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>The state of a channel (a dropped channel still reports its cursor), or null when the engine knows nothing of it.</summary>
    ValueTask<ChannelInfo?> GetChannelAsync(string channel, CancellationToken cancellationToken);

    /// <summary>Deletes a channel's history and answers its waiters as closed. False when it did not exist.</summary>
    ValueTask<bool> DeleteChannelAsync(string channel, CancellationToken cancellationToken);

    /// <summary>How many channels the engine holds now.</summary>
    long ChannelCount { get; }

    /// <summary>Bytes of message history the engine holds now.</summary>
    long HistoryBytes { get; }
}
