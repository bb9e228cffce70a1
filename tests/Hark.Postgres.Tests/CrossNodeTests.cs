using System.Text;
using Hark.Hub;
using Hark.Postgres.Internal;
using Hark.Tests;
using Npgsql;

namespace Hark.Postgres.Tests;

/// <summary>Several engine instances ("nodes") on one database, as several Hark servers behind a load balancer.</summary>
public sealed class CrossNodeTests(TestDatabase database) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private readonly EngineNodes _nodes = new(database.ConnectionString, new() { MaxMessages = 1000 });

    private PostgresEngine NewNode(string? connectionString = null) => _nodes.NewNode(connectionString);

    private static string NewChannel() => "x" + Guid.NewGuid().ToString("N")[..12];

    private static Task<PublishResult> Publish(IHarkEngine engine, string channel, string text) =>
        engine.PublishAsync(new PublishRequest(channel, null, MessagePayload.FromText(text)), default).AsTask().WaitAsync(Patience);

    private static string Text(HarkMessage m) => Encoding.UTF8.GetString(m.Payload.Utf8.Span);

    private static async Task<IReadOnlyList<ChannelPosition>> Now(IHarkEngine engine, params string[] channels) =>
        await engine.GetStartAsync(channels, StartPoint.Now, default).AsTask().WaitAsync(Patience);

    [Fact]
    public async Task PublishOnOneNode_WakesWaiterOnAnother_WhichReadsTheMessage()
    {
        var (a, b) = (NewNode(), NewNode());
        await b.StartAsync(default).WaitAsync(Patience);
        var c = NewChannel();
        var cursor = await Now(b, c);
        var wait = b.WaitAsync(cursor, TimeSpan.FromMinutes(1), default).AsTask();

        await Publish(a, c, "hello");

        Assert.Equal(WakeReason.Ready, (await wait.WaitAsync(Patience)).Reason);
        var batch = await b.ReadAsync(cursor, 10, default).AsTask().WaitAsync(Patience);
        Assert.Equal(["hello"], batch.Messages.Select(Text));
        Assert.Empty(batch.Gaps);
    }

    [Fact]
    public async Task Cursor_MovesBetweenNodes_NothingLostNothingRepeated()
    {
        var nodes = new[] { NewNode(), NewNode(), NewNode() };
        var c = NewChannel();
        var cursor = await Now(nodes[0], c);
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
            var batch = await nodes[n % 3].ReadAsync(cursor, 5, default).AsTask().WaitAsync(Patience);
            seen.AddRange(batch.Messages.Select(Text));
            cursor = batch.Positions;
        }
        Assert.Equal(Enumerable.Range(0, 30).Select(i => $"m{i}"), seen);
    }

    [Fact]
    public async Task Delete_OnOneNode_AnswersWaitersOnAnotherAsClosed()
    {
        var (a, b) = (NewNode(), NewNode());
        var c = NewChannel();
        await Publish(a, c, "x");
        var cursor = await Now(b, c);
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
    public async Task FanOut_ManyWaitersOnOneNode_CostsOneDatabaseRead()
    {
        var (a, b) = (NewNode(), NewNode());
        await b.StartAsync(default).WaitAsync(Patience);
        var c = NewChannel();
        var cursor = await Now(b, c);
        var waits = Enumerable.Range(0, 2000).Select(_ => b.WaitAsync(cursor, TimeSpan.FromMinutes(1), default).AsTask()).ToList();
        var readsBefore = b.DatabaseReads;

        await Publish(a, c, "to all");
        var results = await Task.WhenAll(waits).WaitAsync(Patience);
        var batches = await Task.WhenAll(results.Select(_ => b.ReadAsync(cursor, 10, default).AsTask())).WaitAsync(Patience);

        Assert.All(results, r => Assert.Equal(WakeReason.Ready, r.Reason));
        Assert.All(batches, batch => Assert.Equal(["to all"], batch.Messages.Select(Text)));
        Assert.InRange(b.DatabaseReads - readsBefore, 0, 1);
    }

    [Fact]
    public async Task ListenerKilled_NodeReconnects_AndCatchesUpOnWhatItMissed()
    {
        var (a, b) = (NewNode(), NewNode());
        await b.StartAsync(default).WaitAsync(Patience);
        var c = NewChannel();
        var cursor = await Now(b, c);
        var wait = b.WaitAsync(cursor, TimeSpan.FromMinutes(1), default).AsTask();
        var generation = b.Generation;

        // Kill every listening connection of this database and publish at once, before b listens again:
        // the notification is lost, and only the catch-up read after re-LISTEN can wake the waiter.
        await database.ExecuteAsync("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE '%(listen)'");
        await Publish(a, c, "while b was deaf");

        Assert.Equal(WakeReason.Ready, (await wait.WaitAsync(Patience)).Reason);
        var batch = await b.ReadAsync(cursor, 10, default).AsTask().WaitAsync(Patience);
        Assert.Equal(["while b was deaf"], batch.Messages.Select(Text));
        Assert.True(b.Generation > generation, "the node listened again");
    }

    [Fact]
    public async Task NodeRestarted_OldCursorsStayValid()
    {
        var c = NewChannel();
        var first = NewNode();
        await Publish(first, c, "before");
        var cursor = await Now(first, c);
        await first.DisposeAsync();

        var second = NewNode();
        await Publish(second, c, "after");
        var batch = await second.ReadAsync(cursor, 10, default).AsTask().WaitAsync(Patience);

        Assert.Empty(batch.Gaps);
        Assert.Equal(["after"], batch.Messages.Select(Text));
    }

    [Fact]
    public async Task EmptyChannelCursor_FromOneNode_StaysValidOnAnother()
    {
        var (a, b) = (NewNode(), NewNode());
        var c = NewChannel();
        var cursor = await Now(a, c);
        await Publish(b, c, "first");

        var batch = await b.ReadAsync(cursor, 10, default).AsTask().WaitAsync(Patience);

        Assert.Empty(batch.Gaps);
        Assert.Equal(["first"], batch.Messages.Select(Text));
    }

    [Fact]
    public async Task Batch_OneRoundTrip_SequencesPerChannelInOrder()
    {
        var node = NewNode();
        var (x, y) = (NewChannel(), NewChannel());
        var start = await Now(node, x, y);
        var requests = new[] { (x, "1"), (y, "2"), (x, "3"), (x, "4"), (y, "5") }
            .Select(p => new PublishRequest(p.Item1, null, MessagePayload.FromText(p.Item2))).ToList();

        var results = await node.PublishBatchAsync(requests, default).AsTask().WaitAsync(Patience);
        var batch = await NewNode().ReadAsync(start, 100, default).AsTask().WaitAsync(Patience);

        Assert.Equal([1L, 1, 2, 3, 2], results.Select(r => r.Seq));
        Assert.Equal(["1", "2", "3", "4", "5"], batch.Messages.Select(Text));
    }

    [Fact]
    public async Task NodesStartingTogether_MigrateOnce()
    {
        var fresh = new TestDatabase();
        await fresh.InitializeAsync();
        try
        {
            var nodes = Enumerable.Range(0, 4).Select(_ => NewNode(fresh.ConnectionString)).ToList();
            await Task.WhenAll(nodes.Select(n => n.StartAsync(default))).WaitAsync(Patience);
            Assert.Equal(Schema.Version, Convert.ToInt32(await fresh.ExecuteAsync("SELECT version FROM hark_schema")));
            Assert.Equal(1L, await fresh.ExecuteAsync("SELECT count(*) FROM hark_instance"));
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
        finally
        {
            await fresh.DisposeAsync();
        }
    }

    [Fact]
    public async Task DatabaseUnreachable_PublishThrowsUnavailable_NotSomethingElse()
    {
        var closed = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Port = FreePort(), Timeout = 2 }.ConnectionString;
        var node = NewNode(closed);

        await Assert.ThrowsAsync<HarkUnavailableException>(() => Publish(node, NewChannel(), "x"));
        await Assert.ThrowsAsync<HarkUnavailableException>(() => node.ReadAsync([new ChannelPosition(NewChannel(), default, 0)], 10, default).AsTask().WaitAsync(Patience));
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _nodes.DisposeAsync();
}
