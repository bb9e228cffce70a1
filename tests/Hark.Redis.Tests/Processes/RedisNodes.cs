using Hark.Tests.Processes;
using Xunit.Abstractions;

namespace Hark.Redis.Tests.Processes;

/// <summary>What puts a server process on a Redis: short timeouts and checks, so outages show within a test's patience.</summary>
internal static class RedisNodes
{
    public static IReadOnlyDictionary<string, string> Settings(string server, string prefix) => new Dictionary<string, string>
    {
        ["Hark__Engine"] = "redis",
        ["Hark__Redis__Configuration"] = server + ",asyncTimeout=1000,connectTimeout=1000",
        ["Hark__Redis__KeyPrefix"] = prefix,
        ["Hark__Redis__KeepAliveInterval"] = "00:00:01",
        ["Hark__Redis__MaxReconnectDelay"] = "00:00:00.500",
    };

    /// <summary>A key prefix of a test's own, so tests share the test Redis side by side.</summary>
    public static string NewPrefix() => "p" + Guid.NewGuid().ToString("N")[..10] + ":";
}

/// <summary>The shared multi-node suite: server processes on the test Redis.</summary>
public sealed class MultiNodeTests(ITestOutputHelper output) : MultiNodeConformanceTests(output)
{
    protected override IReadOnlyDictionary<string, string> NodeSettings { get; } = RedisNodes.Settings(TestRedis.Server, RedisNodes.NewPrefix());
}

/// <summary>The shared ask/reply-across-nodes suite on the test Redis.</summary>
public sealed class AskAcrossNodesTests(ITestOutputHelper output) : AskAcrossNodesConformanceTests(output)
{
    protected override IReadOnlyDictionary<string, string> NodeSettings { get; } = RedisNodes.Settings(TestRedis.Server, RedisNodes.NewPrefix());
}

/// <summary>The shared store-restart suite: a Redis of the test's own, with its append-only file on, stops and starts again.</summary>
public sealed class AofRestartTests(ITestOutputHelper output) : StoreRestartConformanceTests(output)
{
    private OwnRedis? _redis;

    private OwnRedis Redis => _redis ?? throw new InvalidOperationException("Not started.");

    protected override IReadOnlyDictionary<string, string> NodeSettings => RedisNodes.Settings(Redis.Server, "a:");

    protected override Task StopStoreAsync() => Redis.PauseAsync();

    protected override Task StartStoreAsync() => Redis.ResumeAsync();

    public override async Task InitializeAsync() => _redis = await OwnRedis.StartAsync(appendOnly: true);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}

/// <summary>The shared bad-input suite: a node on the test Redis answers as a memory node does.</summary>
public sealed class BadInputTests(ITestOutputHelper output) : BadInputConformanceTests(output)
{
    protected override IReadOnlyDictionary<string, string> NodeSettings { get; } = RedisNodes.Settings(TestRedis.Server, RedisNodes.NewPrefix());
}
