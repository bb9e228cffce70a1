using System.Text;
using Hark.Hub;
using Hark.Memory;

namespace Hark.Tests;

/// <summary>
/// The hub's cache of a hot channel. A publish on the node that serves the waiters hands the hub its messages: the
/// waiters just before them get them with no read, unless a report of a later position came first (then those messages
/// are not the newest). Reports that arrive late, and reads that answer late, never make the cache older than the store.
/// </summary>
public sealed class HubCacheTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly DeadlineWheel _wheel = new(TimeProvider.System, TimeSpan.FromMilliseconds(20));
    private readonly MemoryEngine _store = new(new HistoryOptions(), TimeProvider.System);
    private readonly GatedEngine _engine;
    private readonly FanoutHub _hub;

    public HubCacheTests()
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

    [Fact]
    public async Task LateReportOfWhatACrowdHasAlready_DoesNotSendTheCrowdToTheStoreAgain()
    {
        var c = "k" + Guid.NewGuid().ToString("N")[..8];
        await Publish(c, "before");
        var cursor = await _store.GetStartAsync([c], StartPoint.Now, default);
        _engine.Mute();
        var reads = _engine.Reads;

        // The first of a crowd reads; meanwhile another node's wake-up for "before", which the crowd's cursor is at, arrives.
        var gate = _engine.HoldReads();
        var first = Hold(cursor);
        await _engine.UntilReadWaitsAsync(Patience);
        ((IChannelChangeListener)_hub).Appended(c, cursor[0].Epoch, cursor[0].Seq);
        var crowd = Enumerable.Range(0, 5).Select(_ => Hold(cursor)).Append(first).ToList();
        gate.SetResult();
        await EngineWaits.UntilHeldAsync(_engine, 6, Patience);
        Assert.Equal(1, _engine.Reads - reads);

        await Publish(c, "after");
        var after = (await _store.ReadAsync(cursor, 10, default)).Messages[0];
        ((IChannelChangeListener)_hub).Appended(c, after.Epoch, after.Seq);
        var woken = await Task.WhenAll(crowd).WaitAsync(Patience);
        Assert.All(woken, w => Assert.Equal(["after"], w.Batch!.Messages.Select(Text)));
        Assert.Equal(2, _engine.Reads - reads);
    }

    [Fact]
    public async Task ReadThatRanFirstButSettlesLast_DoesNotTakeTheHeadBack()
    {
        var c = "k" + Guid.NewGuid().ToString("N")[..8];
        await Publish(c, "zero");
        var p0 = await _store.GetStartAsync([c], StartPoint.Now, default);
        _engine.Mute();

        // One subscriber's read finds nothing, and its answer is slow to come back; "one" is published meanwhile.
        var gate = _engine.HoldReads(afterReading: true);
        var slow = Hold(p0, 5);
        await _engine.UntilReadWaitsAsync(Patience);
        await Publish(c, "one");
        var one = (await _store.ReadAsync(p0, 10, default)).Messages[0];
        // Another subscriber (another batch size, so its own read) finds "one": the node knows it as the head.
        var quick = await _hub.HoldAsync(p0, 50, TimeSpan.FromSeconds(5), default).AsTask().WaitAsync(Patience);
        Assert.Equal(["one"], quick.Batch!.Messages.Select(Text));
        // The wake-up for "one" arrives (no news to the head), then the slow read's empty answer.
        ((IChannelChangeListener)_hub).Appended(c, one.Epoch, one.Seq);
        gate.SetResult();

        var heard = await slow.WaitAsync(Patience);
        Assert.Equal(WakeReason.Ready, heard.Reason);
        Assert.Equal(["one"], heard.Batch!.Messages.Select(Text));
    }

    public void Dispose()
    {
        _hub.Stop();
        _hub.Dispose();
        _wheel.Dispose();
        _store.Dispose();
    }
}
