using Hark.Memory;

namespace Hark.Tests;

/// <summary>The memory engine, with its reads counted and, on demand, held back, and its reports muted.</summary>
internal sealed class GatedEngine(MemoryEngine store) : IHarkEngine
{
    private readonly SemaphoreSlim _waiting = new(0);
    private TaskCompletionSource? _gate;
    private bool _afterReading;
    private long _reads;

    public long Reads => Interlocked.Read(ref _reads);

    public long ChannelCount => store.ChannelCount;

    public long HistoryBytes => store.HistoryBytes;

    public void Mute() => store.Attach(NoChangeListener.Instance);

    /// <summary>Holds the next read back until the answer is set: before it reads the store, or after (its answer then older than the store).</summary>
    public TaskCompletionSource HoldReads(bool afterReading = false)
    {
        _afterReading = afterReading;
        return _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public Task UntilReadWaitsAsync(TimeSpan patience) => _waiting.WaitAsync(patience);

    public void Attach(IChannelChangeListener listener) => store.Attach(listener);

    public async ValueTask<ReadBatch> ReadAsync(IReadOnlyList<ChannelPosition> after, int max, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _reads);
        var gate = Interlocked.Exchange(ref _gate, null);
        if (gate is not null && !_afterReading)
        {
            _waiting.Release();
            await gate.Task;
        }
        var batch = await store.ReadAsync(after, max, cancellationToken);
        if (gate is not null && _afterReading)
        {
            _waiting.Release();
            await gate.Task;
        }
        return batch;
    }

    public ValueTask<PublishResult> PublishAsync(PublishRequest request, CancellationToken cancellationToken) => store.PublishAsync(request, cancellationToken);

    public ValueTask<IReadOnlyList<PublishResult>> PublishBatchAsync(IReadOnlyList<PublishRequest> requests, CancellationToken cancellationToken) =>
        store.PublishBatchAsync(requests, cancellationToken);

    public ValueTask<IReadOnlyList<ChannelPosition>> GetStartAsync(IReadOnlyList<string> channels, StartPoint start, CancellationToken cancellationToken) =>
        store.GetStartAsync(channels, start, cancellationToken);

    public ValueTask<ChannelInfo?> GetChannelAsync(string channel, CancellationToken cancellationToken) => store.GetChannelAsync(channel, cancellationToken);

    public ValueTask<bool> DeleteChannelAsync(string channel, CancellationToken cancellationToken) => store.DeleteChannelAsync(channel, cancellationToken);
}
