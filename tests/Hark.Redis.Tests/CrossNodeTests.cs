using Hark.Redis.Internal;
using Hark.Tests;

namespace Hark.Redis.Tests;

/// <summary>The shared cross-node suite: several engine instances ("nodes") on one Redis.</summary>
public sealed class CrossNodeTests : CrossNodeConformanceTests
{
    private readonly TestRedis _redis = new();

    protected override IHarkEngine CreateEngine(HistoryOptions history) => _redis.NewEngine(history, TimeProvider.System);

    protected override IHarkEngine CreateUnreachableEngine(HistoryOptions history, int port) =>
        _redis.NewEngine(history, TimeProvider.System, $"127.0.0.1:{port},connectTimeout=1000");

    protected override Task StartAsync(IHarkEngine node) => ((RedisEngine)node).StartAsync(default);

    protected override long StoreReads(IHarkEngine node) => ((RedisEngine)node).StoreReads;
}
