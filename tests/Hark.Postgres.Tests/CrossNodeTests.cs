using Hark.Hub;
using Hark.Postgres.Internal;
using Hark.Tests;
using Npgsql;

namespace Hark.Postgres.Tests;

/// <summary>The shared cross-node suite, and what is PostgreSQL's own: several engine instances ("nodes") on one database.</summary>
public sealed class CrossNodeTests(TestDatabase database) : CrossNodeConformanceTests, IClassFixture<TestDatabase>
{
    protected override IHarkEngine CreateEngine(HistoryOptions history) => database.NewEngine(history, TimeProvider.System);

    protected override IHarkEngine CreateUnreachableEngine(HistoryOptions history, int port) =>
        database.NewEngine(history, TimeProvider.System, new NpgsqlConnectionStringBuilder(database.ConnectionString) { Port = port, Timeout = 2 }.ConnectionString);

    protected override Task StartAsync(IHarkEngine node) => ((PostgresEngine)node).StartAsync(default);

    protected override long StoreReads(IHarkEngine node) => ((PostgresEngine)node).DatabaseReads;

    // A waiter's own read may find what the notification already brought, so the wake can cost no read at all.
    protected override (long Min, long Max) FanOutStoreReads => (0, 1);

    protected override bool FollowUpReadsHitStore => false;

    private PostgresEngine NewNode(string? connectionString) => Nodes.Add(database.NewEngine(History, TimeProvider.System, connectionString));

    private new PostgresEngine NewNode() => NewNode(null);

    private static async Task<IReadOnlyList<ChannelPosition>> Now(IHarkEngine engine, params string[] channels) =>
        await engine.GetStartAsync(channels, StartPoint.Now, default).AsTask().WaitAsync(Patience);

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
}
