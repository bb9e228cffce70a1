using Hark.Presence;
using Hark.Redis.Internal;
using Hark.Tests.Presence;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Hark.Redis.Tests;

/// <summary>The presence store suite against a real redis-server: each store is another engine (node) on it, under one key prefix.</summary>
public sealed class RedisPresenceStoreTests : PresenceStoreConformanceTests
{
    private readonly TestRedis _redis = new();
    private readonly List<RedisEngine> _engines = [];

    protected override IPresenceStore CreateStore() => NewStore();

    private RedisPresenceStore NewStore(string? configuration = null)
    {
        var engine = _redis.NewEngine(new HistoryOptions(), TimeProvider.System, configuration);
        _engines.Add(engine);
        return new RedisPresenceStore(engine, new RedisOptions { KeyPrefix = _redis.Prefix });
    }

    [Fact]
    public async Task Store_OnAnUnreachableRedis_IsUnavailable()
    {
        var store = NewStore("127.0.0.1:1,connectTimeout=1000");

        await Assert.ThrowsAsync<HarkUnavailableException>(() => store.ReadAsync(NewChannel(), 10, default).AsTask().WaitAsync(Patience));
        await Assert.ThrowsAsync<HarkUnavailableException>(() => store.TakeExpiredAsync(10, default).AsTask().WaitAsync(Patience));
    }

    [Fact]
    public async Task Sweep_LeavesNoKeysOfAnEmptiedChannel_AndDropsItFromTheIndex()
    {
        var store = CreateStore();
        var c = NewChannel();
        await store.RenewAsync([new(c, "x", "xavier", "sse")], TimeSpan.FromMilliseconds(200), default).AsTask().WaitAsync(Patience);
        await PassAsync(TimeSpan.FromMilliseconds(400));

        Assert.Contains(await store.TakeExpiredAsync(1000, default).AsTask().WaitAsync(Patience), e => e.Channel == c);

        Assert.Equal("", (await TestRedis.CliAsync(TestRedis.Server, "KEYS", _redis.Prefix + "p:{" + c + "}*")).Trim());
        Assert.Equal("", (await TestRedis.CliAsync(TestRedis.Server, "ZSCORE", _redis.Prefix + "presence", c)).Trim());
    }

    [Fact]
    public async Task Renew_AUserWithAnyCharacters_ReadsBackAsWritten()
    {
        var store = CreateStore();
        var c = NewChannel();

        await store.RenewAsync([new(c, "x", "a b=c\n-d", "sse"), new(c, "y", "", "ws")], TimeSpan.FromMinutes(1), default).AsTask().WaitAsync(Patience);

        var read = await store.ReadAsync(c, 10, default).AsTask().WaitAsync(Patience);
        Assert.Equal([("x", "a b=c\n-d", "sse"), ("y", "", "ws")], read.Clients.OrderBy(p => p.Client, StringComparer.Ordinal).Select(p => (p.Client, p.User, p.Transport)));
    }

    [Fact]
    public async Task AddRedis_RegistersItsStore_ForPresence()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddLogging().AddHark(o => o.Presence.Channels.Add("room.*")).AddRedis(o => o.Configuration = TestRedis.Server);
        await using var provider = services.BuildServiceProvider();

        Assert.IsType<RedisPresenceStore>(provider.GetRequiredService<IPresenceStore>());
    }

    public override async Task DisposeAsync()
    {
        foreach (var engine in _engines)
        {
            await engine.DisposeAsync();
        }
        await _redis.DisposeAsync();
    }
}
