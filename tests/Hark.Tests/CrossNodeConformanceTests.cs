using System.Text;
using Hark.Hub;

namespace Hark.Tests;

/// <summary>
/// What every engine with a shared store must do across several engine instances ("nodes") on that store, as
/// several Hark servers behind a load balancer. Each engine's test class derives from this and says how to make one.
/// </summary>
public abstract class CrossNodeConformanceTests : IAsyncLifetime
{
    internal static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    /// <summary>Every node a test made; disposed after it.</summary>
    protected EngineNodes Nodes { get; } = new();

    protected HistoryOptions History { get; } = new() { MaxMessages = 1000 };

    /// <summary>An engine on the shared store, not attached to any hub.</summary>
    protected abstract IHarkEngine CreateEngine(HistoryOptions history);

    /// <summary>An engine whose store is meant to be at <paramref name="port"/> on this machine, where nothing listens.</summary>
    protected abstract IHarkEngine CreateUnreachableEngine(HistoryOptions history, int port);

    /// <summary>Completes when <paramref name="node"/> hears of changes made on other nodes.</summary>
    protected abstract Task StartAsync(IHarkEngine node);

    /// <summary>How many times <paramref name="node"/> has read from the store.</summary>
    protected abstract long StoreReads(IHarkEngine node);

    /// <summary>The store reads a node may make to wake all its waiters on one channel, or to admit a crowd joining at one position.</summary>
    protected virtual (long Min, long Max) FanOutStoreReads => (1, 1);

    /// <summary>Whether the waiters' reads after the wake may go to the store again.</summary>
    protected virtual bool FollowUpReadsHitStore => true;

    protected IHarkEngine NewNode() => Nodes.Add(CreateEngine(History));

    protected static string NewChannel() => "n" + Guid.NewGuid().ToString("N")[..12];

    internal static Task<PublishResult> Publish(IHarkEngine engine, string channel, string text, long? version = null) =>
        engine.PublishAsync(new PublishRequest(channel, null, MessagePayload.FromText(text)) { Version = version }, default).AsTask().WaitAsync(Patience);

    internal static string Text(HarkMessage m) => Encoding.UTF8.GetString(m.Payload.Utf8.Span);

    internal static async Task<IReadOnlyList<ChannelPosition>> Start(IHarkEngine engine, string channel, StartPoint point) =>
        await engine.GetStartAsync([channel], point, default).AsTask().WaitAsync(Patience);

    [Fact]
    public async Task PublishOnA_WakesWaiterOnB_WhichReadsTheMessage()
    {
        var (a, b) = (NewNode(), NewNode());
        await StartAsync(b).WaitAsync(Patience);
        var c = NewChannel();
        var cursor = await Start(b, c, StartPoint.Now);
        var wait = b.WaitAsync(cursor, TimeSpan.FromMinutes(1), default).AsTask();

        var published = await Publish(a, c, "hello");

        Assert.Equal(WakeReason.Ready, (await wait.WaitAsync(Patience)).Reason);
        Assert.Equal(0, published.Subscribers);
        var batch = await b.ReadAsync(cursor, 10, default).AsTask().WaitAsync(Patience);
        Assert.Equal(["hello"], batch.Messages.Select(Text));
        Assert.Empty(batch.Gaps);
    }

    [Fact]
    public async Task Cursor_AlternatesBetweenNodes_NothingLostNothingRepeated()
    {
        var nodes = new[] { NewNode(), NewNode(), NewNode() };
        var c = NewChannel();
        var cursor = await Start(nodes[0], c, StartPoint.Now);
        var seen = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            await Publish(nodes[i % 3], c, $"m{i}");
            if (i % 4 == 3)
            {
                // Each poll lands on another node, with the cursor the last one gave.
                var batch = await nodes[(i / 4) % 3].ReadAsync(cursor, 3, default).AsTask().WaitAsync(Patience);
                Assert.Empty(batch.Gaps);
                seen.AddRange(batch.Messages.Select(Text));
                cursor = batch.Positions;
            }
        }
        for (var n = 0; seen.Count < 30; n++)
        {
            var wake = await nodes[n % 3].WaitAsync(cursor, TimeSpan.FromSeconds(5), default).AsTask().WaitAsync(Patience);
            Assert.Equal(WakeReason.Ready, wake.Reason);
            var batch = await nodes[n % 3].ReadAsync(cursor, 5, default).AsTask().WaitAsync(Patience);
            seen.AddRange(batch.Messages.Select(Text));
            cursor = batch.Positions;
        }
        Assert.Equal(Enumerable.Range(0, 30).Select(i => $"m{i}"), seen);
    }

    [Fact]
    public async Task Version_RacedOnTwoNodes_ExactlyOneWinsEachTime()
    {
        var (a, b) = (NewNode(), NewNode());
        await Task.WhenAll(StartAsync(a), StartAsync(b)).WaitAsync(Patience);
        var shared = NewChannel();
        for (var version = 1; version <= 20; version++)
        {
            // Each round also races the first publish of a channel of its own, which the store has no state for yet.
            var fresh = NewChannel();
            var results = await Task.WhenAll(
                Publish(a, shared, $"a{version}", version), Publish(b, shared, $"b{version}", version),
                Publish(a, fresh, "a", 1), Publish(b, fresh, "b", 1));
            Assert.Single(results[..2], r => !r.Stale);
            Assert.Single(results[2..], r => !r.Stale);
            Assert.All(results, r => Assert.Equal(r.Channel == shared ? version : 1, r.Version));
            var freshRead = await b.ReadAsync(await Start(b, fresh, StartPoint.Oldest), 10, default).AsTask().WaitAsync(Patience);
            Assert.Equal([1L], freshRead.Messages.Select(m => m.Version!.Value));
        }
        foreach (var node in (IHarkEngine[])[a, b])
        {
            var all = await node.ReadAsync(await Start(node, shared, StartPoint.Oldest), 100, default).AsTask().WaitAsync(Patience);
            Assert.Equal(Enumerable.Range(1, 20).Select(v => (long)v), all.Messages.Select(m => m.Version!.Value));
            Assert.Equal(Enumerable.Range(1, 20).Select(v => (long)v), all.Messages.Select(m => m.Seq));
        }
    }

    [Fact]
    public async Task Delete_OnA_AnswersWaitersOnBAsClosed_AndOldCursorsReadAsReset()
    {
        var (a, b) = (NewNode(), NewNode());
        var c = NewChannel();
        await Publish(a, c, "x");
        var cursor = await Start(b, c, StartPoint.Now);
        var wait = b.WaitAsync(cursor, TimeSpan.FromMinutes(1), default).AsTask();
        // Deleted once B's hold waits: deleted before its first read, that read would find a reset gap instead.
        await EngineWaits.UntilHeldAsync(b, 1, Patience);

        Assert.True(await a.DeleteChannelAsync(c, default).AsTask().WaitAsync(Patience));

        Assert.Equal(new WakeResult(WakeReason.Closed, c), await wait.WaitAsync(Patience));
        await Publish(a, c, "again");
        var batch = await b.ReadAsync(cursor, 10, default).AsTask().WaitAsync(Patience);
        Assert.Equal(GapReason.Reset, Assert.Single(batch.Gaps).Reason);
        Assert.Equal(["again"], batch.Messages.Select(Text));
    }

    [Fact]
    public async Task FanOut_ManyWaitersOnOneNode_CostsOneStoreRead()
    {
        var (a, b) = (NewNode(), NewNode());
        await StartAsync(b).WaitAsync(Patience);
        var c = NewChannel();
        var cursor = await Start(b, c, StartPoint.Now);
        var waits = Enumerable.Range(0, 2000).Select(_ => b.WaitAsync(cursor, TimeSpan.FromMinutes(1), default).AsTask()).ToList();
        var readsBefore = StoreReads(b);

        await Publish(a, c, "to all");
        var results = await Task.WhenAll(waits).WaitAsync(Patience);
        var reads = StoreReads(b) - readsBefore;
        var batches = await Task.WhenAll(results.Select(_ => b.ReadAsync(cursor, 10, default).AsTask())).WaitAsync(Patience);

        Assert.All(results, r => Assert.Equal(WakeReason.Ready, r.Reason));
        Assert.All(batches, batch => Assert.Equal(["to all"], batch.Messages.Select(Text)));
        Assert.InRange(reads, FanOutStoreReads.Min, FanOutStoreReads.Max);
        if (!FollowUpReadsHitStore)
        {
            Assert.InRange(StoreReads(b) - readsBefore, FanOutStoreReads.Min, FanOutStoreReads.Max);
        }
    }

    [Fact]
    public async Task HotChannel_LateRePollAndNewSubscriber_AnsweredFromTheNodeWithoutAStoreRead_UntilTheNextChange()
    {
        var (a, b) = (NewNode(), NewNode());
        await StartAsync(b).WaitAsync(Patience);
        var c = NewChannel();
        var cursor = await Start(b, c, StartPoint.Now);
        var hub = EngineWaits.HubOf(b);
        var holds = Enumerable.Range(0, 3).Select(_ => hub.HoldAsync(cursor, 100, TimeSpan.FromMinutes(1), default).AsTask()).ToList();
        await EngineWaits.UntilHeldAsync(b, 3, Patience);
        await Publish(a, c, "hot");
        var woken = await Task.WhenAll(holds).WaitAsync(Patience);
        var readsBefore = StoreReads(b);

        // One subscriber comes back late, still at the old position; another joins the channel now.
        var late = await hub.HoldAsync(cursor, 100, TimeSpan.FromMinutes(1), default).AsTask().WaitAsync(Patience);
        var joined = await hub.StartAsync([c], StartPoint.Now, default).AsTask().WaitAsync(Patience);

        Assert.All(woken, w => Assert.Equal(["hot"], w.Batch!.Messages.Select(Text)));
        Assert.Equal(["hot"], late.Batch!.Messages.Select(Text));
        Assert.Contains(late.Shared, woken.Select(w => w.Shared));
        Assert.Equal(woken[0].Batch!.Positions, joined);
        Assert.Equal(0, StoreReads(b) - readsBefore);

        // Another change reported: what the node knew before is no longer trusted; a new subscriber starts after it.
        var atHead = hub.HoldAsync(joined, 100, TimeSpan.FromMinutes(1), default).AsTask();
        await EngineWaits.UntilHeldAsync(b, 1, Patience);
        await Publish(a, c, "next");
        var next = await atHead.WaitAsync(Patience);
        var rejoined = await hub.StartAsync([c], StartPoint.Now, default).AsTask().WaitAsync(Patience);

        Assert.Equal(["next"], next.Batch!.Messages.Select(Text));
        Assert.Equal(next.Batch.Positions, rejoined);
    }

    [Fact]
    public async Task CrowdJoiningAtOnePosition_CostsOneStoreRead_ThenHearsThePublish()
    {
        var (a, b) = (NewNode(), NewNode());
        await StartAsync(b).WaitAsync(Patience);
        var c = NewChannel();
        await Publish(a, c, "before");
        var cursor = await Start(b, c, StartPoint.Now);
        var hub = EngineWaits.HubOf(b);
        var readsBefore = StoreReads(b);

        var holds = Enumerable.Range(0, 300).Select(_ => Task.Run(() => hub.HoldAsync(cursor, 100, TimeSpan.FromMinutes(1), default).AsTask())).ToList();
        await EngineWaits.UntilHeldAsync(b, 300, Patience);
        var joinReads = StoreReads(b) - readsBefore;
        await Publish(a, c, "to the crowd");
        var woken = await Task.WhenAll(holds).WaitAsync(Patience);

        Assert.InRange(joinReads, FanOutStoreReads.Min, FanOutStoreReads.Max);
        Assert.All(woken, w => Assert.Equal(["to the crowd"], w.Batch!.Messages.Select(Text)));
    }

    [Fact]
    public async Task EmptyChannelCursor_FromA_StaysValidOnB()
    {
        var (a, b) = (NewNode(), NewNode());
        var c = NewChannel();
        var cursor = await Start(a, c, StartPoint.Now);
        await Publish(b, c, "first");

        var batch = await b.ReadAsync(cursor, 10, default).AsTask().WaitAsync(Patience);

        Assert.Empty(batch.Gaps);
        Assert.Equal(["first"], batch.Messages.Select(Text));
    }

    [Fact]
    public async Task Batch_OneRoundTrip_SequencesPerChannelInOrder_ReadOnAnotherNode()
    {
        var (a, b) = (NewNode(), NewNode());
        var (x, y) = (NewChannel(), NewChannel());
        var start = await a.GetStartAsync([x, y], StartPoint.Now, default).AsTask().WaitAsync(Patience);
        var requests = new[] { (x, "1"), (y, "2"), (x, "3"), (x, "4"), (y, "5") }
            .Select(p => new PublishRequest(p.Item1, null, MessagePayload.FromText(p.Item2))).ToList();

        var results = await a.PublishBatchAsync(requests, default).AsTask().WaitAsync(Patience);
        var batch = await b.ReadAsync(start, 100, default).AsTask().WaitAsync(Patience);

        Assert.Equal([1L, 1, 2, 3, 2], results.Select(r => r.Seq));
        Assert.Equal(["1", "2", "3", "4", "5"], batch.Messages.Select(Text));
    }

    [Fact]
    public async Task StoreUnreachable_PublishAndReadThrowUnavailable_NotSomethingElse()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var node = Nodes.Add(CreateUnreachableEngine(History, port));

        await Assert.ThrowsAsync<HarkUnavailableException>(() => Publish(node, NewChannel(), "x"));
        await Assert.ThrowsAsync<HarkUnavailableException>(() => node.ReadAsync([new ChannelPosition(NewChannel(), default, 0)], 10, default).AsTask().WaitAsync(Patience));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await Nodes.DisposeAsync();
}
