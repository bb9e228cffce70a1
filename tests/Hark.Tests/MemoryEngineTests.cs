using Hark.Hub;
using Hark.Memory;

namespace Hark.Tests;

/// <summary>What only the memory engine does: dropping idle channels, tombstones, and new epochs at every start.</summary>
public sealed class MemoryEngineTests : IDisposable
{
    private readonly ManualTimeProvider _time = new();
    private readonly DeadlineWheel _wheel;
    private readonly HistoryOptions _history = new() { MaxAge = TimeSpan.FromMinutes(1), SweepInterval = TimeSpan.FromSeconds(10), MaxTombstones = 100 };
    private readonly MemoryEngine _engine;
    private readonly FanoutHub _hub;

    public MemoryEngineTests()
    {
        _wheel = new DeadlineWheel(_time, TimeSpan.FromMilliseconds(100));
        _engine = new MemoryEngine(_history, _time);
        _hub = EngineWaits.AttachHub(_engine, _wheel, _time);
    }

    private Task<PublishResult> Publish(string channel, string text) =>
        _engine.PublishAsync(new PublishRequest(channel, null, MessagePayload.FromText(text)), default).AsTask();

    private async Task<IReadOnlyList<ChannelPosition>> Now(string channel) => await _engine.GetStartAsync([channel], StartPoint.Now, default);

    [Fact]
    public async Task IdleChannel_IsDropped_AfterItsHistoryAgesOut()
    {
        await Publish("idle", "x");
        Assert.Equal(1, _engine.ChannelCount);

        _time.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(0, _engine.ChannelCount);
        Assert.Equal(0, _engine.HistoryBytes);
        Assert.Equal(1, _engine.TombstoneCount);
    }

    [Fact]
    public async Task DroppedChannel_UpToDateCursor_ResumesWithoutGap()
    {
        await Publish("t", "a");
        var upToDate = await Now("t");
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(0, _engine.ChannelCount);

        await Publish("t", "b");
        var batch = await _engine.ReadAsync(upToDate, 100, default);

        Assert.Empty(batch.Gaps);
        Assert.Equal(2, Assert.Single(batch.Messages).Seq);
    }

    [Fact]
    public async Task DroppedChannel_BehindCursor_IsAGap()
    {
        var behind = await Now("t");
        await Publish("t", "a");
        _time.Advance(TimeSpan.FromMinutes(2));
        await Publish("t", "b");

        var batch = await _engine.ReadAsync(behind, 100, default);

        Assert.Equal(GapReason.Evicted, Assert.Single(batch.Gaps).Reason);
        Assert.Equal(1, batch.Gaps[0].Missed);
    }

    [Fact]
    public async Task EmptyChannelCursor_SurvivesDropAndRecreation_OfAnEmptyChannel()
    {
        using var cts = new CancellationTokenSource();
        var wait = _engine.WaitAsync(await Now("e"), TimeSpan.FromMinutes(5), cts.Token).AsTask();
        var cursor = await Now("e");
        await cts.CancelAsync();
        await wait.WaitAsync(TimeSpan.FromSeconds(10));
        _time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(0, _engine.ChannelCount);

        await Publish("e", "first");
        var batch = await _engine.ReadAsync(cursor, 100, default);

        Assert.Empty(batch.Gaps);
        Assert.Equal("first", System.Text.Encoding.UTF8.GetString(Assert.Single(batch.Messages).Payload.Utf8.Span));
    }

    [Fact]
    public async Task EmptyChannelCursor_IssuedBeforeADelete_IsAGap()
    {
        var cursor = await Now("d");
        await Publish("d", "lost");
        await _engine.DeleteChannelAsync("d", default);
        await Publish("d", "new");

        var batch = await _engine.ReadAsync(cursor, 100, default);

        Assert.Equal(GapReason.Reset, Assert.Single(batch.Gaps).Reason);
    }

    [Fact]
    public async Task EmptyChannelCursor_IssuedAfterADelete_IsValid()
    {
        await Publish("d2", "old");
        await _engine.DeleteChannelAsync("d2", default);
        var cursor = await Now("d2");
        await Publish("d2", "new");

        var batch = await _engine.ReadAsync(cursor, 100, default);

        Assert.Empty(batch.Gaps);
        Assert.Single(batch.Messages);
    }

    [Fact]
    public async Task ForgottenTombstone_MakesOldEmptyCursorsGaps_NeverSilentLoss()
    {
        var cursor = await Now("f");
        await Publish("f", "will be lost");
        _time.Advance(TimeSpan.FromMinutes(2));
        for (var i = 0; i < _history.MaxTombstones + 1; i++)
        {
            await Publish($"other{i}", "x");
        }
        _time.Advance(TimeSpan.FromMinutes(2));
        await Publish("f", "new");

        var batch = await _engine.ReadAsync(cursor, 100, default);

        Assert.NotEmpty(batch.Gaps);
        Assert.True(_engine.TombstoneCount <= _history.MaxTombstones);
    }

    [Fact]
    public async Task ForgettingOtherChannelsTombstones_LeavesThisEmptyCursorValid()
    {
        var cursor = await Now("quiet");
        // Names outside this channel's bucket, so the test does not depend on hashing luck.
        var others = Enumerable.Range(0, 1000).Select(i => $"busy{i}")
            .Where(n => MemoryEngine.ForgottenBucket(n) != MemoryEngine.ForgottenBucket("quiet"))
            .Take(_history.MaxTombstones + 20).ToList();
        foreach (var name in others)
        {
            await Publish(name, "x");
        }
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(_history.MaxTombstones, _engine.TombstoneCount);

        await Publish("quiet", "first");
        var batch = await _engine.ReadAsync(cursor, 100, default);

        Assert.Empty(batch.Gaps);
        Assert.Single(batch.Messages);
    }

    [Fact]
    public async Task Restart_OldCursors_ReadAsResetGaps()
    {
        await Publish("r", "a");
        var cursor = await Now("r");
        _time.Advance(TimeSpan.FromSeconds(1));
        using var restarted = new MemoryEngine(_history, _time);
        await restarted.PublishAsync(new PublishRequest("r", null, MessagePayload.FromText("b")), default);

        var batch = await restarted.ReadAsync(cursor, 100, default);

        Assert.Equal(GapReason.Reset, Assert.Single(batch.Gaps).Reason);
        Assert.Single(batch.Messages);
    }

    [Fact]
    public async Task ChannelWithWaiter_IsNotDropped()
    {
        await Publish("w", "old");
        var wait = _engine.WaitAsync(await Now("w"), TimeSpan.FromMinutes(5), default).AsTask();
        _history.MaxAge = TimeSpan.FromSeconds(5);
        _time.Advance(TimeSpan.FromSeconds(6));
        _engine.Sweep();
        Assert.Equal(1, _engine.ChannelCount);
        await Publish("w", "x");
        Assert.Equal(WakeReason.Ready, (await wait.WaitAsync(TimeSpan.FromSeconds(10))).Reason);
    }

    public void Dispose()
    {
        _hub.Dispose();
        _engine.Dispose();
        _wheel.Dispose();
    }
}
