using Hark.Hub;
using Hark.Tests;
using static Hark.Tests.CrossNodeConformanceTests;

namespace Hark.Redis.Tests;

/// <summary>
/// Wake-ups over sharded pub/sub where the server has it (the test server is Redis 7), classic pub/sub when told: one
/// subscription per node either way, and a publish on one node wakes a waiter on the other.
/// </summary>
public sealed class PubSubTests : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly TestRedis _redis = new();
    private readonly HistoryOptions _history = new() { MaxMessages = 100 };

    public ValueTask DisposeAsync() => _redis.DisposeAsync();

    [Theory]
    [InlineData(null, true)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public async Task OneSubscriptionPerNode_AndAPublishWakesTheOtherNode(bool? setting, bool sharded)
    {
        var (a, b) = (_redis.NewNode(_history, sharded: setting), _redis.NewNode(_history, sharded: setting));
        await Task.WhenAll(a.StartAsync(default), b.StartAsync(default)).WaitAsync(Patience);
        Assert.Equal((sharded, sharded), (a.ShardedPubSub, b.ShardedPubSub));

        var wake = _redis.Prefix + "wake";
        Assert.Equal(sharded ? "0" : "2", await CountAsync("NUMSUB", wake));
        Assert.Equal(sharded ? "2" : "0", await CountAsync("SHARDNUMSUB", wake));

        var c = "p" + Guid.NewGuid().ToString("N")[..12];
        var cursor = await Start(b, c, StartPoint.Now);
        var wait = b.WaitAsync(cursor, TimeSpan.FromMinutes(1), default).AsTask();
        await Publish(a, c, "hello");
        Assert.Equal(WakeReason.Ready, (await wait.WaitAsync(Patience)).Reason);

    }

    /// <summary>The subscriber count <c>PUBSUB NUMSUB</c> or <c>SHARDNUMSUB</c> gives for one channel.</summary>
    private static async Task<string> CountAsync(string command, string channel)
    {
        var lines = (await TestRedis.CliAsync(TestRedis.Server, "PUBSUB", command, channel)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines[^1].Trim();
    }
}
