using Hark.Hub;

namespace Hark.Tests;

/// <summary>
/// What an engine that supports versioned publishes and latest-value channels must do, on top of the
/// whole <see cref="EngineConformanceTests"/> suite.
/// </summary>
public abstract class VersionConformanceTests : EngineConformanceTests
{
    private Task<PublishResult> PublishVersion(string channel, string text, long version) =>
        Engine.PublishAsync(new PublishRequest(channel, null, MessagePayload.FromText(text)) { Version = version }, default).AsTask();

    [Fact]
    public async Task LatestValue_KeepsOnlyNewest_NewSubscriberGetsItAtOnce()
    {
        History.LatestValueChannels.Add("lv-*");
        var c = "lv-" + NewChannel();
        await Publish(c, "one");
        await Publish(c, "two");
        await Publish(c, "three");
        var start = await Now(c);
        var wake = await Engine.WaitAsync(start, TimeSpan.FromMinutes(1), default).AsTask().WaitAsync(Patience);
        Assert.Equal(WakeReason.Ready, wake.Reason);
        var batch = await Engine.ReadAsync(start, 100, default);
        Assert.Equal(["three"], batch.Messages.Select(Text));
        Assert.Empty(batch.Gaps);
        Assert.Equal(1, (await Engine.GetChannelAsync(c, default))!.Messages);
    }

    [Fact]
    public async Task LatestValue_CursorBehindNewest_GetsNewestWithoutGap()
    {
        History.LatestValueChannels.Add("lv-*");
        var c = "lv-" + NewChannel();
        await Publish(c, "one");
        var after = (await Engine.ReadAsync(await Now(c), 100, default)).Positions;
        await Publish(c, "two");
        await Publish(c, "three");
        var batch = await Engine.ReadAsync(after, 100, default);
        Assert.Equal(["three"], batch.Messages.Select(Text));
        Assert.Empty(batch.Gaps);
        Assert.Equal(3, batch.Positions[0].Seq);
    }

    [Fact]
    public async Task LatestValue_CursorFromBeforeTheFirstMessage_GetsNewestWithoutGap()
    {
        // A subscriber that came before the channel's first state (a job's progress, say) and reads after several.
        History.LatestValueChannels.Add("lv-*");
        var c = "lv-" + NewChannel();
        var before = await Now(c);
        await Publish(c, "one");
        await Publish(c, "two");
        await Publish(c, "three");
        var batch = await Engine.ReadAsync(before, 100, default);
        Assert.Equal(["three"], batch.Messages.Select(Text));
        Assert.Empty(batch.Gaps);
        Assert.Equal(3, batch.Positions[0].Seq);
    }

    [Fact]
    public async Task LatestValue_OtherChannels_KeepFullHistoryAndStartAtNow()
    {
        History.LatestValueChannels.Add("lv-*");
        var c = NewChannel();
        await Publish(c, "one");
        await Publish(c, "two");
        var batch = await Engine.ReadAsync(await Now(c), 100, default);
        Assert.True(batch.IsEmpty);
        Assert.Equal(2, (await Engine.GetChannelAsync(c, default))!.Messages);
    }

    [Fact]
    public async Task Version_NotNewer_IsStaleAndPublishesNothing()
    {
        var c = NewChannel();
        var start = await Now(c);
        var first = await PublishVersion(c, "v5", 5);
        Assert.False(first.Stale);
        Assert.Equal(5, first.Version);
        var older = await PublishVersion(c, "v3", 3);
        var same = await PublishVersion(c, "v5 again", 5);
        var newer = await PublishVersion(c, "v7", 7);
        Assert.True(older.Stale);
        Assert.True(same.Stale);
        Assert.Equal(5, older.Version);
        Assert.Equal(first.Seq, older.Seq);
        Assert.Equal(first.Cursor, older.Cursor);
        Assert.False(newer.Stale);
        var batch = await Engine.ReadAsync(start, 100, default);
        Assert.Equal(["v5", "v7"], batch.Messages.Select(Text));
        Assert.Equal([5L, 7L], batch.Messages.Select(m => m.Version!.Value));
    }

    [Fact]
    public async Task Version_Unversioned_PublishesAlwaysAndKeepsHighestVersion()
    {
        var c = NewChannel();
        await PublishVersion(c, "v5", 5);
        var plain = await Publish(c, "plain");
        Assert.False(plain.Stale);
        Assert.Equal(5, plain.Version);
        Assert.True((await PublishVersion(c, "v4", 4)).Stale);
    }

    [Fact]
    public async Task Version_AfterDelete_StartsOver()
    {
        var c = NewChannel();
        await PublishVersion(c, "v5", 5);
        Assert.True(await Engine.DeleteChannelAsync(c, default).AsTask().WaitAsync(Patience));
        var plain = await Publish(c, "plain");
        var older = await PublishVersion(c, "v3", 3);
        Assert.Null(plain.Version);
        Assert.False(older.Stale);
        Assert.Equal(3, older.Version);
    }

    [Fact]
    public async Task Version_InBatch_StaleItemsSkippedOthersPublished()
    {
        var c = NewChannel();
        var results = await Engine.PublishBatchAsync(
        [
            new PublishRequest(c, null, MessagePayload.FromText("a")) { Version = 2 },
            new PublishRequest(c, null, MessagePayload.FromText("b")) { Version = 1 },
            new PublishRequest(c, null, MessagePayload.FromText("c")) { Version = 3 },
        ], default);
        Assert.Equal([false, true, false], results.Select(r => r.Stale));
        Assert.Equal([1L, 1, 2], results.Select(r => r.Seq));
    }
}
