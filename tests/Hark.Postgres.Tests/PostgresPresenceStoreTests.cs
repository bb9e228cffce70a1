using Hark.Postgres.Internal;
using Hark.Presence;
using Hark.Tests.Presence;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Hark.Postgres.Tests;

/// <summary>The presence store suite against a real PostgreSQL: each store is another engine (node) on the one database.</summary>
public sealed class PostgresPresenceStoreTests(TestDatabase database) : PresenceStoreConformanceTests, IClassFixture<TestDatabase>
{
    private readonly List<PostgresEngine> _engines = [];

    protected override IPresenceStore CreateStore() => new PostgresPresenceStore(NewEngine(database.ConnectionString));

    private PostgresEngine NewEngine(string connectionString)
    {
        var engine = database.NewEngine(new HistoryOptions(), TimeProvider.System, connectionString);
        _engines.Add(engine);
        return engine;
    }

    [Fact]
    public async Task Store_OnAnUnreachableDatabase_IsUnavailable()
    {
        var store = new PostgresPresenceStore(NewEngine("Host=127.0.0.1;Port=1;Username=postgres;Timeout=2"));

        await Assert.ThrowsAsync<HarkUnavailableException>(() => store.ReadAsync(NewChannel(), 10, default).AsTask().WaitAsync(Patience));
        await Assert.ThrowsAsync<HarkUnavailableException>(() => store.TakeExpiredAsync(10, default).AsTask().WaitAsync(Patience));
    }

    [Fact]
    public async Task Renew_TheSameLeaseTwiceInABatch_JoinsOnce_LastEntryWins()
    {
        var store = CreateStore();
        var c = NewChannel();

        var results = await store.RenewAsync([new(c, "x", "first", "sse"), new(c, "x", "second", "ws")], TimeSpan.FromMinutes(1), default).AsTask().WaitAsync(Patience);
        var removed = await store.RemoveAsync([new(c, "x", results[1].Until), new(c, "x", results[1].Until)], default).AsTask().WaitAsync(Patience);

        Assert.Equal([true, false], results.Select(r => r.Joined));
        Assert.Equal([true, false], removed);
    }

    [Fact]
    public async Task Lease_ReadFromTheTable_HasTheDatabaseClocksUntil()
    {
        var store = CreateStore();
        var c = NewChannel();

        var renewed = await store.RenewAsync([new(c, "x", "xavier", "sse")], TimeSpan.FromMinutes(1), default).AsTask().WaitAsync(Patience);

        var until = Convert.ToInt64(await database.ExecuteAsync($"SELECT until FROM hark_presence WHERE channel = '{c}' AND client = 'x'"));
        Assert.Equal(renewed[0].Until, until);
    }

    [Fact]
    public async Task AddPostgres_RegistersItsStore_ForPresence()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddLogging().AddHark(o => o.Presence.Channels.Add("room.*")).AddPostgres(o => o.ConnectionString = database.ConnectionString);
        await using var provider = services.BuildServiceProvider();

        Assert.IsType<PostgresPresenceStore>(provider.GetRequiredService<IPresenceStore>());
    }

    public override async Task DisposeAsync()
    {
        foreach (var engine in _engines)
        {
            await engine.DisposeAsync();
        }
    }
}
