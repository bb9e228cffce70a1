namespace Hark.OutsideEngine;

/// <summary>
/// An engine written outside Hark's assemblies, against its public API only: it keeps its channels in another
/// engine, passes every call and every change report through, and counts them, so tests can see how often the
/// hub reads. It passes the whole engine conformance suite.
/// </summary>
public sealed class CountingEngine(IHarkEngine store) : IHarkEngine, IDisposable
{
    private long _reads;
    private long _reports;

    /// <summary>Reads asked of this engine so far.</summary>
    public long Reads => Interlocked.Read(ref _reads);

    /// <summary>Changes this engine reported to its listener so far.</summary>
    public long Reports => Interlocked.Read(ref _reports);

    /// <inheritdoc />
    public long ChannelCount => store.ChannelCount;

    /// <inheritdoc />
    public long HistoryBytes => store.HistoryBytes;

    /// <inheritdoc />
    public void Attach(IChannelChangeListener listener) => store.Attach(new CountingListener(listener, this));

    /// <inheritdoc />
    public ValueTask<PublishResult> PublishAsync(PublishRequest request, CancellationToken cancellationToken) =>
        store.PublishAsync(request, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<PublishResult>> PublishBatchAsync(IReadOnlyList<PublishRequest> requests, CancellationToken cancellationToken) =>
        store.PublishBatchAsync(requests, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ChannelPosition>> GetStartAsync(IReadOnlyList<string> channels, StartPoint start, CancellationToken cancellationToken) =>
        store.GetStartAsync(channels, start, cancellationToken);

    /// <inheritdoc />
    public ValueTask<ReadBatch> ReadAsync(IReadOnlyList<ChannelPosition> after, int max, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _reads);
        return store.ReadAsync(after, max, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<ChannelInfo?> GetChannelAsync(string channel, CancellationToken cancellationToken) =>
        store.GetChannelAsync(channel, cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> DeleteChannelAsync(string channel, CancellationToken cancellationToken) =>
        store.DeleteChannelAsync(channel, cancellationToken);

    /// <inheritdoc />
    public void Dispose() => (store as IDisposable)?.Dispose();

    /// <summary>The listener the store reports to: counts each report and hands it on.</summary>
    private sealed class CountingListener(IChannelChangeListener hub, CountingEngine engine) : IChannelChangeListener
    {
        public int Appended(string channel, Epoch epoch, long lastSeq)
        {
            Interlocked.Increment(ref engine._reports);
            return hub.Appended(channel, epoch, lastSeq);
        }

        public int Appended(string channel, IReadOnlyList<HarkMessage> messages)
        {
            Interlocked.Increment(ref engine._reports);
            return hub.Appended(channel, messages);
        }

        public int Deleted(string channel, Func<ChannelPosition, bool>? closes)
        {
            Interlocked.Increment(ref engine._reports);
            return hub.Deleted(channel, closes);
        }

        public int Reset(string channel)
        {
            Interlocked.Increment(ref engine._reports);
            return hub.Reset(channel);
        }

        public bool IsWatched(string channel) => hub.IsWatched(channel);

        public IReadOnlyCollection<string> WatchedChannels() => hub.WatchedChannels();
    }
}
