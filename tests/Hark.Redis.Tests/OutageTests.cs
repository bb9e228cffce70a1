using Hark.Hub;
using Hark.Redis.Internal;
using Hark.Tests;
using StackExchange.Redis;
using static Hark.Tests.CrossNodeConformanceTests;

namespace Hark.Redis.Tests;

/// <summary>Redis flushed, stopped, restarted and paused under running nodes, each test on a redis-server of its own.</summary>
public sealed class OutageTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly TestRedis _nodes = new();
    private readonly HistoryOptions _history = new() { MaxMessages = 1000 };
    private OwnRedis? _own;

    private async Task<(RedisEngine A, RedisEngine B)> TwoNodesAsync(bool appendOnly = false)
    {
        _own = await OwnRedis.StartAsync(appendOnly);
        var configuration = _own.Server + ",asyncTimeout=1000,connectTimeout=1000";
        var (a, b) = (_nodes.NewNode(_history, configuration), _nodes.NewNode(_history, configuration));
        await Task.WhenAll(a.StartAsync(default), b.StartAsync(default)).WaitAsync(Patience);
        await Until(() => a.IsListening && b.IsListening, "both nodes listen");
        return (a, b);
    }

    private static string NewChannel() => "o" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task Flushall_WaiterGetsResetGap_ThenNewMessages()
    {
        var (a, b) = await TwoNodesAsync();
        var c = NewChannel();
        await Publish(a, c, "one");
        await Publish(a, c, "two");
        var cursor = (await b.ReadAsync(await Start(b, c, StartPoint.Oldest), 10, default).AsTask().WaitAsync(Patience)).Positions;
        var wait = b.WaitAsync(cursor, TimeSpan.FromMinutes(1), default).AsTask();

        Assert.Contains("OK", await _own!.CliAsync("FLUSHALL"), StringComparison.Ordinal);
        var after = await Publish(a, c, "after");

        Assert.Equal(1, after.Seq);
        Assert.Equal(WakeReason.Ready, (await wait.WaitAsync(Patience)).Reason);
        var batch = await b.ReadAsync(cursor, 10, default).AsTask().WaitAsync(Patience);
        Assert.Equal(GapReason.Reset, Assert.Single(batch.Gaps).Reason);
        Assert.Equal(["after"], batch.Messages.Select(Text));
        // Nothing of the old history reads as a position in the new one, on either node.
        var onA = await a.ReadAsync(cursor, 10, default).AsTask().WaitAsync(Patience);
        Assert.Equal(GapReason.Reset, Assert.Single(onA.Gaps).Reason);
    }

    [Fact]
    public async Task Flushall_SameNodePublishesFirstAgain_OldCursorGetsResetGap_NotASilentSkip()
    {
        // The node that started the lost history is the one that starts the new one, the channel's first message again
        // at seq 1: its cursors must not read as positions in the new history.
        var (a, _) = await TwoNodesAsync();
        var c = NewChannel();
        var one = await Publish(a, c, "one");
        var cursor = await Start(a, c, StartPoint.Now);

        Assert.Contains("OK", await _own!.CliAsync("FLUSHALL"), StringComparison.Ordinal);
        var first = await Publish(a, c, "first after");
        await Publish(a, c, "second after");

        Assert.Equal((1L, 1L), (one.Seq, first.Seq));
        Assert.NotEqual(one.Cursor, first.Cursor);
        var batch = await a.ReadAsync(cursor, 10, default).AsTask().WaitAsync(Patience);
        Assert.Equal(GapReason.Reset, Assert.Single(batch.Gaps).Reason);
        Assert.Equal(["first after", "second after"], batch.Messages.Select(Text));
    }

    [Fact]
    public async Task RedisStopped_PublishIsUnavailable_WaiterStaysHeld_ThenResetGapAndRecovery()
    {
        var (a, b) = await TwoNodesAsync();
        var c = NewChannel();
        await Publish(a, c, "before");
        var cursor = await Start(b, c, StartPoint.Now);
        var wait = b.WaitAsync(cursor, TimeSpan.FromMinutes(1), default).AsTask();

        await _own!.PauseAsync();
        try
        {
            await Assert.ThrowsAsync<HarkUnavailableException>(() => Publish(a, c, "while down"));
            await Until(() => !a.IsListening && !b.IsListening, "both nodes report not ready");
            Assert.False(wait.IsCompleted);
        }
        finally
        {
            await _own.ResumeAsync();
        }

        await Until(() => a.IsListening && b.IsListening, "both nodes listen again");
        // Redis came back empty (no persistence): the held waiter learns it, and its cursor reads as a reset gap.
        Assert.Equal(WakeReason.Ready, (await wait.WaitAsync(Patience)).Reason);
        var back = await Publish(a, c, "back");
        Assert.False(back.Stale);
        var batch = await b.ReadAsync(cursor, 10, default).AsTask().WaitAsync(Patience);
        Assert.Equal(GapReason.Reset, Assert.Single(batch.Gaps).Reason);
        Assert.Equal(["back"], batch.Messages.Select(Text));
    }

    [Fact]
    public async Task RedisRestartedWithAof_NothingAcknowledgedLost_CursorsStayValid()
    {
        var (a, b) = await TwoNodesAsync(appendOnly: true);
        var c = NewChannel();
        var cursor = await Start(b, c, StartPoint.Now);
        for (var i = 0; i < 5; i++)
        {
            await Publish(a, c, $"m{i}");
        }

        await _own!.PauseAsync();
        await _own.ResumeAsync();
        await Until(() => a.IsListening && b.IsListening, "both nodes listen again");
        for (var i = 5; i < 10; i++)
        {
            await Publish(a, c, $"m{i}");
        }

        var batch = await b.ReadAsync(cursor, 100, default).AsTask().WaitAsync(Patience);
        Assert.Empty(batch.Gaps);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"m{i}"), batch.Messages.Select(Text));
    }

    [Fact]
    public async Task RedisPaused_PublishTimesOutAsUnavailable_HeldWaiterHearsItLater()
    {
        var (a, b) = await TwoNodesAsync();
        var c = NewChannel();
        var cursor = await Start(b, c, StartPoint.Now);
        var onA = a.WaitAsync(cursor, TimeSpan.FromMinutes(1), default).AsTask();
        var onB = b.WaitAsync(cursor, TimeSpan.FromMinutes(1), default).AsTask();

        await _own!.CliAsync("CLIENT", "PAUSE", "3000", "WRITE");
        // The script waits behind the pause longer than the node's timeout: its publisher is told to retry,
        // though Redis runs it when the pause ends.
        await Assert.ThrowsAsync<HarkUnavailableException>(() => Publish(a, c, "paused"));

        // Both waiters hear of it: B from the wake-up, A (which skips its own) from reading again after the lost answer.
        Assert.Equal(WakeReason.Ready, (await onA.WaitAsync(Patience)).Reason);
        Assert.Equal(WakeReason.Ready, (await onB.WaitAsync(Patience)).Reason);
        await Publish(a, c, "after");
        var batch = await b.ReadAsync(cursor, 10, default).AsTask().WaitAsync(Patience);
        Assert.Empty(batch.Gaps);
        Assert.Equal(["paused", "after"], batch.Messages.Select(Text));
    }

    [Fact]
    public async Task AcknowledgedWritesLost_AsInAFailoverToALaggingReplica_TheNodeThatSawThemStartsANewInstance()
    {
        var (a, b) = await TwoNodesAsync();
        var c = NewChannel();
        for (var i = 0; i < 3; i++)
        {
            await Publish(a, c, $"m{i}");
        }
        // The replica's copy: the keys as they are now, before two more acknowledged publishes it will miss.
        await using var redis = await ConnectionMultiplexer.ConnectAsync(_own!.Server);
        var db = redis.GetDatabase();
        RedisKey[] keys = [_nodes.Prefix + "clock", _nodes.Prefix + "s:" + c, _nodes.Prefix + "h:" + c];
        var replica = new List<byte[]>();
        foreach (var key in keys)
        {
            replica.Add((await db.KeyDumpAsync(key))!);
        }
        var lostCursor = (await Publish(a, c, "m3")).Cursor;
        await Publish(a, c, "m4");

        // The failover: Redis now holds the replica's copy, under the same instance.
        for (var i = 0; i < keys.Length; i++)
        {
            await db.ExecuteAsync("RESTORE", keys[i], 0, replica[i], "REPLACE");
        }
        // Node A was told of m4's place in Redis's clock, and finds the clock behind it: a new instance starts.
        var after = await Publish(a, c, "after failover");
        Assert.True(Cursor.TryParse(lostCursor, out var lostEpoch, out var lostSeq));
        Assert.True(Cursor.TryParse(after.Cursor, out var newEpoch, out var newSeq));
        Assert.NotEqual(lostEpoch.Instance, newEpoch.Instance);
        Assert.Equal(lostSeq, newSeq);

        // A cursor into the lost part reads, on either node, as a reset gap: never as the position of "after failover".
        foreach (var node in new[] { a, b })
        {
            var batch = await node.ReadAsync([new ChannelPosition(c, lostEpoch, lostSeq)], 10, default).AsTask().WaitAsync(Patience);
            Assert.Equal(GapReason.Reset, Assert.Single(batch.Gaps).Reason);
            Assert.Equal(["m0", "m1", "m2", "after failover"], batch.Messages.Select(Text));
        }
    }

    private static async Task Until(Func<bool> condition, string what)
    {
        var started = DateTime.UtcNow;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow - started < Patience, "timed out waiting until " + what);
            await Task.Delay(50);
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _nodes.DisposeAsync();
        if (_own is not null)
        {
            await _own.DisposeAsync();
        }
    }
}
