using System.Text;
using Hark.Hub;
using Hark.Memory;

namespace Hark.Tests;

/// <summary>
/// A publish on the node that serves the waiters hands the hub its messages: the waiters just before them get them
/// with no read, unless a report of a later position came first (then those messages are not the newest).
/// </summary>
public sealed class HubKnownMessagesTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly DeadlineWheel _wheel = new(TimeProvider.System, TimeSpan.FromMilliseconds(20));
    private readonly MemoryEngine _store = new(new HistoryOptions(), TimeProvider.System);
    private readonly GatedEngine _engine;
    private readonly FanoutHub _hub;

    public HubKnownMessagesTests()
    {
        _engine = new GatedEngine(_store);
        _hub = EngineWaits.AttachHub(_engine, _wheel, TimeProvider.System);
    }

    private static string Text(HarkMessage m) => Encoding.UTF8.GetString(m.Payload.Utf8.Span);

    private Task<PublishResult> Publish(string channel, string text) =>
        _store.PublishAsync(new PublishRequest(channel, null, MessagePayload.FromText(text)), default).AsTask();

    private Task<HoldResult> Hold(IReadOnlyList<ChannelPosition> at, double seconds = 60) =>
        _hub.HoldAsync(at, 100, TimeSpan.FromSeconds(seconds), default).AsTask();

    /// <summary>Two waiters woken by a publish: their shared read makes the hub know the channel's head.</summary>
    private async Task<IReadOnlyList<ChannelPosition>> WakeTwoAsync(IReadOnlyList<ChannelPosition> at, string text)
    {
        var holds = new[] { Hold(at), Hold(at) };
        await EngineWaits.UntilHeldAsync(_engine, 2, Patience);
        await Publish(at[0].Channel, text);
        var woken = await Task.WhenAll(holds).WaitAsync(Patience);
        Assert.All(woken, w => Assert.Equal([text], w.Batch!.Messages.Select(Text)));
        return woken[0].Batch!.Positions;
    }

    [Fact]
    public async Task PublishHere_WakesTheWaitersWithItsMessages_WithoutARead()
    {
        var c = "k" + Guid.NewGuid().ToString("N")[..8];
        var p1 = await WakeTwoAsync(await _store.GetStartAsync([c], StartPoint.Now, default), "one");
        var reads = _engine.Reads;

        var p2 = await WakeTwoAsync(p1, "two");
        var again = await Hold(p2, 0.3).WaitAsync(Patience);

        Assert.Equal(0, _engine.Reads - reads);
        Assert.Equal(WakeReason.Timeout, again.Reason);
        Assert.Equal(0, _engine.Reads - reads);
    }

    [Fact]
    public async Task LateReportOfOlderMessages_AfterALaterOne_IsNotTakenForTheChannelsNewest()
    {
        var c = "k" + Guid.NewGuid().ToString("N")[..8];
        var p1 = await WakeTwoAsync(await _store.GetStartAsync([c], StartPoint.Now, default), "one");
        // From here the hub hears only what this test reports, in the order another node's reports may arrive in.
        _engine.Mute();
        await Publish(c, "two");
        await Publish(c, "three");
        var stored = (await _store.ReadAsync(p1, 10, default)).Messages;
        var listener = (IChannelChangeListener)_hub;
        listener.Appended(c, stored[1].Epoch, stored[1].Seq);

        // A subscriber still at "one" registers and reads; while its read is out, the report of "two" (published on
        // this node, its answer late) arrives.
        var gate = _engine.HoldReads();
        var late = Hold(p1);
        await _engine.UntilReadWaitsAsync(Patience);
        listener.Appended(c, [stored[0]]);
        gate.SetResult();
        Assert.Equal(["two", "three"], (await late.WaitAsync(Patience)).Batch!.Messages.Select(Text));

        // "two" is not the newest: a subscriber at it reads, and gets "three" at once.
        var next = await Hold([stored[0].Position], 5).WaitAsync(Patience);
        Assert.Equal(WakeReason.Ready, next.Reason);
        Assert.Equal(["three"], next.Batch!.Messages.Select(Text));
    }

    public void Dispose()
    {
        _hub.Stop();
        _hub.Dispose();
        _wheel.Dispose();
        _store.Dispose();
    }

    /// <summary>The memory engine, with its reads counted and, on demand, held back, and its reports muted.</summary>
    private sealed class GatedEngine(MemoryEngine store) : IHarkEngine
    {
        private readonly SemaphoreSlim _waiting = new(0);
        private TaskCompletionSource? _gate;
        private long _reads;

        public long Reads => Interlocked.Read(ref _reads);

        public long ChannelCount => store.ChannelCount;

        public long HistoryBytes => store.HistoryBytes;

        public void Mute() => store.Attach(NoChangeListener.Instance);

        public TaskCompletionSource HoldReads() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task UntilReadWaitsAsync(TimeSpan patience) => _waiting.WaitAsync(patience);

        public void Attach(IChannelChangeListener listener) => store.Attach(listener);

        public async ValueTask<ReadBatch> ReadAsync(IReadOnlyList<ChannelPosition> after, int max, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _reads);
            if (Interlocked.Exchange(ref _gate, null) is { } gate)
            {
                _waiting.Release();
                await gate.Task;
            }
            return await store.ReadAsync(after, max, cancellationToken);
        }

        public ValueTask<PublishResult> PublishAsync(PublishRequest request, CancellationToken cancellationToken) => store.PublishAsync(request, cancellationToken);

        public ValueTask<IReadOnlyList<PublishResult>> PublishBatchAsync(IReadOnlyList<PublishRequest> requests, CancellationToken cancellationToken) =>
            store.PublishBatchAsync(requests, cancellationToken);

        public ValueTask<IReadOnlyList<ChannelPosition>> GetStartAsync(IReadOnlyList<string> channels, StartPoint start, CancellationToken cancellationToken) =>
            store.GetStartAsync(channels, start, cancellationToken);

        public ValueTask<ChannelInfo?> GetChannelAsync(string channel, CancellationToken cancellationToken) => store.GetChannelAsync(channel, cancellationToken);

        public ValueTask<bool> DeleteChannelAsync(string channel, CancellationToken cancellationToken) => store.DeleteChannelAsync(channel, cancellationToken);
    }
}
