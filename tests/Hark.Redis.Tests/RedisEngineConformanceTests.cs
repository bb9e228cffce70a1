using Hark.Tests;

namespace Hark.Redis.Tests;

/// <summary>The shared engine suite, with versions and latest-value channels, against a real redis-server.</summary>
public sealed class RedisEngineConformanceTests : VersionConformanceTests, IAsyncLifetime
{
    private readonly TestRedis _redis = new();

    protected override IHarkEngine CreateEngine(TimeProvider time, HistoryOptions history) => _redis.NewEngine(history, time);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _redis.DisposeAsync();
}
