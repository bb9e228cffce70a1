using System.Text;
using Hark.Hub;

namespace Hark.Tests;

/// <summary>What every engine must do. Each engine's test class derives from this and says how to make one.</summary>
public abstract class EngineConformanceTests : IDisposable
{
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly List<IDisposable> _owned = [];

    protected ManualTimeProvider Time { get; } = new();

    protected HistoryOptions History { get; } = new() { MaxMessages = 100, MaxBytes = 1 << 20, MaxAge = TimeSpan.FromMinutes(10) };

    protected abstract IHarkEngine CreateEngine(TimeProvider time, HistoryOptions history);

    /// <summary>The engine under test, with this node's hub attached as the server attaches it.</summary>
    protected IHarkEngine Engine
    {
        get
        {
            if (_engine is null)
            {
                _engine = Track(CreateEngine(Time, History));
                _hub = Track(EngineWaits.AttachHub(_engine, Track(new DeadlineWheel(Time, TimeSpan.FromMilliseconds(100))), Time));
            }
            return _engine;
        }
    }

    /// <summary>The hub the engine reports to: it holds the waiters.</summary>
    internal FanoutHub Hub => Engine is not null ? _hub! : throw new InvalidOperationException();

    private IHarkEngine? _engine;
    private FanoutHub? _hub;

    protected T Track<T>(T item)
    {
        if (item is IDisposable d)
        {
            _owned.Add(d);
        }
        return item;
    }

    protected static string NewChannel() => "c" + Guid.NewGuid().ToString("N")[..12];

    protected Task<PublishResult> Publish(string channel, string text, string? eventName = null) =>
        Engine.PublishAsync(new PublishRequest(channel, eventName, MessagePayload.FromText(text)), default).AsTask();

    protected async Task<IReadOnlyList<ChannelPosition>> Now(params string[] channels) => await Engine.GetStartAsync(channels, StartPoint.Now, default);

    protected static string Text(HarkMessage m) => Encoding.UTF8.GetString(m.Payload.Utf8.Span);

    [Fact]
    public async Task Publish_Sequences_StartAtOneWithNoHoles()
    {
        var c = NewChannel();
        var results = new List<PublishResult>();
        for (var i = 0; i < 5; i++)
        {
            results.Add(await Publish(c, $"m{i}"));
        }
        Assert.Equal([1L, 2, 3, 4, 5], results.Select(r => r.Seq));
    }

    [Fact]
    public async Task Read_AfterCursor_ReturnsOnlyLaterMessagesInOrder()
    {
        var c = NewChannel();
        await Publish(c, "a");
        var after = await Now(c);
        await Publish(c, "b");
        await Publish(c, "c");

        var batch = await Engine.ReadAsync(after, 100, default);

        Assert.Equal(["b", "c"], batch.Messages.Select(Text));
        Assert.Empty(batch.Gaps);
        Assert.Equal(3, batch.Positions[0].Seq);
    }

    [Fact]
    public async Task Read_NothingNew_ReturnsTheSameCursor()
    {
        var c = NewChannel();
        var now = await Now(c);
        var batch = await Engine.ReadAsync(now, 100, default);
        Assert.True(batch.IsEmpty);
        Assert.Equal(now[0], batch.Positions[0]);
    }

    [Fact]
    public async Task EmptyChannelCursor_StaysValid_WhenTheFirstMessageArrives()
    {
        var c = NewChannel();
        var before = await Now(c);
        await Publish(c, "first");

        var batch = await Engine.ReadAsync(before, 100, default);

        Assert.Empty(batch.Gaps);
        Assert.Equal(["first"], batch.Messages.Select(Text));
    }

    [Fact]
    public async Task Read_Max_LimitsTheBatchAndTheCursorFollows()
    {
        var c = NewChannel();
        var start = await Now(c);
        for (var i = 0; i < 10; i++)
        {
            await Publish(c, $"m{i}");
        }
        var first = await Engine.ReadAsync(start, 4, default);
        var second = await Engine.ReadAsync(first.Positions, 100, default);

        Assert.Equal(4, first.Messages.Count);
        Assert.Equal(Enumerable.Range(4, 6).Select(i => $"m{i}"), second.Messages.Select(Text));
    }

    [Fact]
    public async Task Start_LastN_And_Oldest_ReplayHistory()
    {
        var c = NewChannel();
        for (var i = 0; i < 5; i++)
        {
            await Publish(c, $"m{i}");
        }
        var last2 = await Engine.GetStartAsync([c], new StartPoint(2), default);
        var oldest = await Engine.GetStartAsync([c], StartPoint.Oldest, default);

        Assert.Equal(["m3", "m4"], (await Engine.ReadAsync(last2, 100, default)).Messages.Select(Text));
        var all = await Engine.ReadAsync(oldest, 100, default);
        Assert.Equal(5, all.Messages.Count);
        Assert.Empty(all.Gaps);
    }

    [Fact]
    public async Task History_BoundedByCount_ReportsGapWithMissedCount()
    {
        History.MaxMessages = 3;
        var c = NewChannel();
        var start = await Now(c);
        for (var i = 0; i < 5; i++)
        {
            await Publish(c, $"m{i}");
        }
        var batch = await Engine.ReadAsync(start, 100, default);

        var gap = Assert.Single(batch.Gaps);
        Assert.Equal(GapReason.Evicted, gap.Reason);
        Assert.Equal(2, gap.Missed);
        Assert.Equal(["m2", "m3", "m4"], batch.Messages.Select(Text));
    }

    [Fact]
    public async Task History_BoundedByBytes_EvictsOldest()
    {
        History.MaxBytes = 2048;
        var c = NewChannel();
        var start = await Now(c);
        for (var i = 0; i < 20; i++)
        {
            await Publish(c, new string((char)('a' + i), 200));
        }
        var batch = await Engine.ReadAsync(start, 100, default);
        var info = await Engine.GetChannelAsync(c, default);

        Assert.NotEmpty(batch.Gaps);
        Assert.True(info!.Bytes <= 2048, $"history holds {info.Bytes} bytes");
        Assert.Equal(20, batch.Messages[^1].Seq);
    }

    [Fact]
    public async Task History_BoundedByAge_EvictsOldMessages()
    {
        var c = NewChannel();
        var start = await Now(c);
        await Publish(c, "old");
        Time.Advance(History.MaxAge + TimeSpan.FromSeconds(1));
        await Publish(c, "new");

        var batch = await Engine.ReadAsync(start, 100, default);

        Assert.Equal(["new"], batch.Messages.Select(Text));
        Assert.Equal(GapReason.Evicted, Assert.Single(batch.Gaps).Reason);
    }

    [Fact]
    public async Task Cursor_FromAnotherHistory_IsAGap_NotAWrongPosition()
    {
        var c = NewChannel();
        await Publish(c, "a");
        var foreign = new ChannelPosition(c, new Epoch(12345, 1), 1);

        var batch = await Engine.ReadAsync([foreign], 100, default);

        Assert.Equal(GapReason.Reset, Assert.Single(batch.Gaps).Reason);
        Assert.Equal(["a"], batch.Messages.Select(Text));
    }

    [Fact]
    public async Task Cursor_AheadOfHistory_IsAGap()
    {
        var c = NewChannel();
        var p = (await Publish(c, "a"));
        var now = (await Now(c))[0];
        var batch = await Engine.ReadAsync([now with { Seq = p.Seq + 10 }], 100, default);
        Assert.Single(batch.Gaps);
    }

    [Fact]
    public async Task Read_SeveralChannels_MergesInPublishOrder()
    {
        var (a, b) = (NewChannel(), NewChannel());
        var start = await Now(a, b);
        await Publish(a, "1");
        await Publish(b, "2");
        await Publish(a, "3");
        await Publish(b, "4");

        var batch = await Engine.ReadAsync(start, 3, default);

        Assert.Equal(["1", "2", "3"], batch.Messages.Select(Text));
        var rest = await Engine.ReadAsync(batch.Positions, 100, default);
        Assert.Equal(["4"], rest.Messages.Select(Text));
    }

    [Fact]
    public async Task Wait_Publish_WakesTheWaiter()
    {
        var c = NewChannel();
        var now = await Now(c);
        var wait = Engine.WaitAsync(now, TimeSpan.FromMinutes(1), default).AsTask();
        Assert.False(wait.IsCompleted);

        var published = await Publish(c, "x");

        Assert.Equal(WakeReason.Ready, (await wait.WaitAsync(Patience)).Reason);
        Assert.Equal(1, published.Subscribers);
    }

    [Fact]
    public async Task Wait_SomethingAlreadyAfterCursor_ReturnsAtOnce()
    {
        var c = NewChannel();
        var now = await Now(c);
        await Publish(c, "x");
        var result = await Engine.WaitAsync(now, TimeSpan.FromMinutes(1), default).AsTask().WaitAsync(Patience);
        Assert.Equal(WakeReason.Ready, result.Reason);
    }

    [Fact]
    public async Task Wait_Deadline_ReturnsTimeout()
    {
        var c = NewChannel();
        var wait = Engine.WaitAsync(await Now(c), TimeSpan.FromSeconds(5), default).AsTask();
        Time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(wait.IsCompleted);
        Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(WakeReason.Timeout, (await wait.WaitAsync(Patience)).Reason);
    }

    [Fact]
    public async Task Wait_Cancelled_LeavesNoWaiterBehind()
    {
        var c = NewChannel();
        using var cts = new CancellationTokenSource();
        var wait = Engine.WaitAsync(await Now(c), TimeSpan.FromMinutes(1), cts.Token).AsTask();
        Assert.Equal(1, Hub.Waiting(c));

        cts.Cancel();

        Assert.Equal(WakeReason.Cancelled, (await wait.WaitAsync(Patience)).Reason);
        Assert.Equal(0, Hub.Waiting(c));
        Assert.Equal(0, (await Publish(c, "x")).Subscribers);
    }

    [Fact]
    public async Task Wait_SeveralChannels_AnyOneWakes_AndAllRegistrationsAreRemoved()
    {
        var (a, b) = (NewChannel(), NewChannel());
        var wait = Engine.WaitAsync(await Now(a, b), TimeSpan.FromMinutes(1), default).AsTask();
        await Publish(b, "x");
        Assert.Equal(WakeReason.Ready, (await wait.WaitAsync(Patience)).Reason);
        Assert.Equal(0, Hub.Waiting(a));
    }

    [Fact]
    public async Task Delete_WakesWaitersAsClosed_AndOldCursorsReadAsGaps()
    {
        var c = NewChannel();
        await Publish(c, "a");
        var now = await Now(c);
        var wait = Engine.WaitAsync(now, TimeSpan.FromMinutes(1), default).AsTask();

        Assert.True(await Engine.DeleteChannelAsync(c, default));

        var woke = await wait.WaitAsync(Patience);
        Assert.Equal(new WakeResult(WakeReason.Closed, c), woke);
        await Publish(c, "after");
        var batch = await Engine.ReadAsync(now, 100, default);
        Assert.Equal(GapReason.Reset, Assert.Single(batch.Gaps).Reason);
        Assert.Equal(["after"], batch.Messages.Select(Text));
    }

    [Fact]
    public async Task Delete_UnknownChannel_ReturnsFalse() => Assert.False(await Engine.DeleteChannelAsync(NewChannel(), default));

    [Fact]
    public async Task Stop_AnswersEveryWaiter()
    {
        var waits = new List<Task<WakeResult>>();
        for (var i = 0; i < 20; i++)
        {
            waits.Add(Engine.WaitAsync(await Now(NewChannel()), TimeSpan.FromMinutes(1), default).AsTask());
        }
        Hub.Stop();
        var results = await Task.WhenAll(waits).WaitAsync(Patience);
        Assert.All(results, r => Assert.Equal(WakeReason.Stopping, r.Reason));
        Assert.Equal(WakeReason.Stopping, (await Engine.WaitAsync(await Now(NewChannel()), TimeSpan.FromMinutes(1), default)).Reason);
    }

    [Fact]
    public async Task ConcurrentPublishers_EveryMessageOnce_InEachPublishersOrder()
    {
        History.MaxMessages = 10_000;
        var c = NewChannel();
        var start = await Now(c);
        const int Publishers = 4, Each = 250;
        await Task.WhenAll(Enumerable.Range(0, Publishers).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < Each; i++)
            {
                await Publish(c, $"{p}:{i}");
            }
        }))).WaitAsync(Patience);

        var batch = await Engine.ReadAsync(start, 10_000, default);

        Assert.Equal(Enumerable.Range(1, Publishers * Each).Select(i => (long)i), batch.Messages.Select(m => m.Seq));
        foreach (var group in batch.Messages.Select(Text).GroupBy(t => t.Split(':')[0]))
        {
            Assert.Equal(Enumerable.Range(0, Each), group.Select(t => int.Parse(t.Split(':')[1])));
        }
    }

    [Fact]
    public async Task ConcurrentWaiters_AllWokenByOnePublish()
    {
        var c = NewChannel();
        var now = await Now(c);
        var waits = Enumerable.Range(0, 1000).Select(_ => Engine.WaitAsync(now, TimeSpan.FromMinutes(1), default).AsTask()).ToList();

        var published = await Publish(c, "x");

        var results = await Task.WhenAll(waits).WaitAsync(Patience);
        Assert.All(results, r => Assert.Equal(WakeReason.Ready, r.Reason));
        Assert.Equal(1000, published.Subscribers);
    }

    [Fact]
    public async Task SubscriberLoop_UnderConcurrentPublishing_MissesNothing()
    {
        History.MaxMessages = 10_000;
        var c = NewChannel();
        var position = await Now(c);
        const int Total = 2000;
        var publisher = Task.Run(async () =>
        {
            for (var i = 0; i < Total; i++)
            {
                await Publish(c, i.ToString());
            }
        });
        var seen = new List<long>();
        while (seen.Count < Total)
        {
            var wake = await Engine.WaitAsync(position, TimeSpan.FromMinutes(1), default).AsTask().WaitAsync(Patience);
            Assert.Equal(WakeReason.Ready, wake.Reason);
            var batch = await Engine.ReadAsync(position, 37, default);
            Assert.Empty(batch.Gaps);
            seen.AddRange(batch.Messages.Select(m => m.Seq));
            position = batch.Positions;
        }
        await publisher.WaitAsync(Patience);
        Assert.Equal(Enumerable.Range(1, Total).Select(i => (long)i), seen);
    }

    public void Dispose()
    {
        foreach (var d in _owned)
        {
            d.Dispose();
        }
        GC.SuppressFinalize(this);
    }
}
