using System.Text;
using Hark.Hub;
using Hark.Postgres.Internal;
using Hark.Tests;
using Npgsql;

namespace Hark.Postgres.Tests;

/// <summary>Versioned publishes and latest-value channels with several engine instances ("nodes") on one database.</summary>
public sealed class CrossNodeVersionTests(TestDatabase database) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private readonly EngineNodes _nodes = new();
    private readonly HistoryOptions _history = new() { MaxMessages = 1000, LatestValueChannels = ["lv-*"] };

    private PostgresEngine NewNode(string? connectionString = null) => _nodes.Add(database.NewEngine(_history, TimeProvider.System, connectionString));

    private static string NewChannel() => "v" + Guid.NewGuid().ToString("N")[..12];

    private static Task<PublishResult> Publish(IHarkEngine engine, string channel, string text, long? version = null) =>
        engine.PublishAsync(new PublishRequest(channel, null, MessagePayload.FromText(text)) { Version = version }, default).AsTask().WaitAsync(Patience);

    private static string Text(HarkMessage m) => Encoding.UTF8.GetString(m.Payload.Utf8.Span);

    private static async Task<IReadOnlyList<ChannelPosition>> Start(IHarkEngine engine, string channel, StartPoint point) =>
        await engine.GetStartAsync([channel], point, default).AsTask().WaitAsync(Patience);

    [Fact]
    public async Task Version_StaleOnNodeB_AfterNodeAPublishedHigher()
    {
        var (a, b) = (NewNode(), NewNode());
        var c = NewChannel();
        var start = await Start(b, c, StartPoint.Now);
        var onA = await Publish(a, c, "ten", 10);

        var stale = await Publish(b, c, "nine", 9);
        var plain = await Publish(b, c, "plain");
        var newer = await Publish(b, c, "eleven", 11);

        Assert.True(stale.Stale);
        Assert.Equal(10, stale.Version);
        Assert.Equal(onA.Seq, stale.Seq);
        Assert.Equal(onA.Cursor, stale.Cursor);
        Assert.False(plain.Stale);
        Assert.Equal(10, plain.Version);
        Assert.False(newer.Stale);
        Assert.Equal(11, newer.Version);
        var batch = await a.ReadAsync(start, 10, default).AsTask().WaitAsync(Patience);
        Assert.Equal(["ten", "plain", "eleven"], batch.Messages.Select(Text));
        Assert.Equal([10L, null, 11L], batch.Messages.Select(m => m.Version));
        Assert.Contains("\"version\":11", Encoding.UTF8.GetString(batch.Messages[^1].Json), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_ChannelCreatedMeanwhileByAnotherTransaction_PublishWaitsSeesItAndIsStale()
    {
        var node = NewNode();
        await node.StartAsync(default).WaitAsync(Patience);
        var c = NewChannel();
        // Another writer creates the channel (version 5) and holds its transaction open, so the node's statement,
        // which began with no row to lock, must wait for it and then take the committed version into account.
        await using var other = new NpgsqlConnection(database.ConnectionString);
        await other.OpenAsync();
        await using var transaction = await other.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO hark_channels (name, epoch, last_seq, total_bytes, live, updated, version) VALUES (@c, nextval('hark_stamp'), 1, 1, true, now(), 5);
            INSERT INTO hark_messages (channel, seq, time, size, end_bytes, is_text, data, version) VALUES (@c, 1, now(), 1, 1, true, 'x', 5);
            """, other, transaction))
        {
            insert.Parameters.AddWithValue("c", c);
            await insert.ExecuteNonQueryAsync();
        }
        var publishing = Publish(node, c, "three", 3);
        await Hark.Tests.Processes.ProcessNodes.Until(async () => Convert.ToInt64(await database.ExecuteAsync(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")) > 0, "the publish waits");
        await transaction.CommitAsync();

        var result = await publishing;

        Assert.True(result.Stale);
        Assert.Equal(5, result.Version);
        Assert.Equal(1, result.Seq);
        Assert.False((await Publish(node, c, "six", 6)).Stale);
    }

    [Fact]
    public async Task LatestValue_PublishedOnA_ReadOnB_OnlyNewestAndNoGap()
    {
        var (a, b) = (NewNode(), NewNode());
        await b.StartAsync(default).WaitAsync(Patience);
        var c = "lv-" + NewChannel();
        await Publish(a, c, "one", 1);
        var behind = await Start(b, c, StartPoint.Now);
        Assert.Equal(0, behind[0].Seq);
        var first = await b.ReadAsync(behind, 10, default).AsTask().WaitAsync(Patience);
        Assert.Equal(["one"], first.Messages.Select(Text));

        // One statement, so B hears of both at once (one notification) and its wait wakes knowing of "three".
        await a.PublishBatchAsync(
        [
            new PublishRequest(c, null, MessagePayload.FromText("two")) { Version = 2 },
            new PublishRequest(c, null, MessagePayload.FromText("three")) { Version = 3 },
        ], default).AsTask().WaitAsync(Patience);
        Assert.Equal(WakeReason.Ready, (await b.WaitAsync(first.Positions, TimeSpan.FromMinutes(1), default).AsTask().WaitAsync(Patience)).Reason);

        // B's cursor is two behind: it gets the current state only, and that is no gap.
        var batch = await b.ReadAsync(first.Positions, 10, default).AsTask().WaitAsync(Patience);
        Assert.Equal(["three"], batch.Messages.Select(Text));
        Assert.Empty(batch.Gaps);
        var late = await Start(b, c, StartPoint.Now);
        Assert.Equal(["three"], (await b.ReadAsync(late, 10, default).AsTask().WaitAsync(Patience)).Messages.Select(Text));
        Assert.Equal(1, (await b.GetChannelAsync(c, default).AsTask().WaitAsync(Patience))!.Messages);

        // Held on B, published on A: the waiter wakes and reads the new state.
        var wait = b.WaitAsync(batch.Positions, TimeSpan.FromMinutes(1), default).AsTask();
        await Publish(a, c, "four", 4);
        Assert.Equal(WakeReason.Ready, (await wait.WaitAsync(Patience)).Reason);
        var next = await b.ReadAsync(batch.Positions, 10, default).AsTask().WaitAsync(Patience);
        Assert.Equal(["four"], next.Messages.Select(Text));
        Assert.Empty(next.Gaps);
    }

    [Fact]
    public async Task Schema_FromVersion1_MigratesAndKeepsHistory()
    {
        var fresh = new TestDatabase();
        await fresh.InitializeAsync();
        try
        {
            var c = NewChannel();
            var before = NewNode(fresh.ConnectionString);
            await Publish(before, c, "from version 1");
            await before.DisposeAsync();
            // What a database of schema version 1 looks like: no version columns.
            await fresh.ExecuteAsync("ALTER TABLE hark_channels DROP COLUMN version; ALTER TABLE hark_messages DROP COLUMN version; UPDATE hark_schema SET version = 1");

            var after = NewNode(fresh.ConnectionString);
            var published = await Publish(after, c, "versioned", 7);
            var batch = await after.ReadAsync(await Start(after, c, StartPoint.Oldest), 10, default).AsTask().WaitAsync(Patience);

            Assert.Equal(Schema.Version, Convert.ToInt32(await fresh.ExecuteAsync("SELECT version FROM hark_schema")));
            Assert.False(published.Stale);
            Assert.Equal(2, published.Seq);
            Assert.Equal(["from version 1", "versioned"], batch.Messages.Select(Text));
            Assert.Equal([null, 7L], batch.Messages.Select(m => m.Version));
            await after.DisposeAsync();
        }
        finally
        {
            await fresh.DisposeAsync();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _nodes.DisposeAsync();
}
