using System.Net;
using Hark.Tests.Processes;
using Xunit.Abstractions;

namespace Hark.Redis.Tests.Processes;

/// <summary>
/// Real server processes on a Redis of the test's own that loses its data (restarted without persistence) or stops
/// taking writes for a while (<c>CLIENT PAUSE</c>) while subscribers poll and a publisher publishes.
/// </summary>
public sealed class LostAndPausedRedisTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);
    private readonly ProcessNodes _nodes = new(output);
    private OwnRedis? _redis;

    private OwnRedis Redis => _redis ?? throw new InvalidOperationException("Not started.");

    private HarkHttp Http => _nodes.Http;

    private async Task<(Uri A, Uri B)> TwoNodesAsync()
    {
        var nodes = await _nodes.StartAsync(RedisNodes.Settings(Redis.Server, "l:"), "A", "B");
        return (nodes[0].Address, nodes[1].Address);
    }

    [Fact]
    public async Task RestartedWithoutPersistence_EverySubscriberGetsOneResetGap_ThenNewMessages()
    {
        var (a, b) = await TwoNodesAsync();
        var channel = "n" + Guid.NewGuid().ToString("N")[..12];
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await Http.PublishAsync(a, channel, $"old{i}")).Status);
        }
        var cursor = (await Http.PollAsync(b, channel, null, 0)).Cursor;

        // Four subscribers on each node, held at the head when Redis loses everything.
        async Task<(int Gaps, List<string> Seen)> Subscribe(Uri node)
        {
            var (position, gaps, seen) = (cursor, 0, new List<string>());
            while (!seen.Contains("new2"))
            {
                var poll = await Http.PollAsync(node, channel, position, 20);
                if (poll.Status != HttpStatusCode.OK)
                {
                    // Redis is down: the client waits a moment and tries again with the cursor it has.
                    Assert.Equal(HttpStatusCode.ServiceUnavailable, poll.Status);
                    await Task.Delay(200);
                    continue;
                }
                gaps += poll.Gap ? 1 : 0;
                seen.AddRange(poll.Data);
                position = poll.Cursor;
            }
            return (gaps, seen);
        }
        var subscribers = Enumerable.Range(0, 8).Select(i => Task.Run(() => Subscribe(i % 2 == 0 ? a : b))).ToList();
        await ProcessNodes.Until(async () => await Http.SubscribersAsync(a, channel) == 4 && await Http.SubscribersAsync(b, channel) == 4, "all eight polls are held");

        await Redis.PauseAsync();
        await Redis.ResumeAsync();
        await ProcessNodes.Until(async () => await Http.IsReadyAsync(a) && await Http.IsReadyAsync(b), "both nodes are ready again");
        for (var i = 0; i < 3; i++)
        {
            await PublishUntilAcknowledged(a, channel, $"new{i}");
        }

        foreach (var (gaps, seen) in await Task.WhenAll(subscribers).WaitAsync(Patience))
        {
            Assert.Equal(1, gaps);
            Assert.Equal(["new0", "new1", "new2"], seen);
        }
    }

    [Fact]
    public async Task PausedWhilePublishing_503sMeanwhile_ThenEveryAcknowledgedMessageOnceInOrder()
    {
        var (a, b) = await TwoNodesAsync();
        var channel = "w" + Guid.NewGuid().ToString("N")[..12];
        var start = (await Http.PollAsync(b, channel, null, 0)).Cursor;
        var (attempted, acknowledged, refused) = (new List<string>(), new List<string>(), 0);
        var paused = false;
        for (var i = 0; i < 60; i++)
        {
            if (i == 20)
            {
                Assert.Contains("OK", await Redis.CliAsync("CLIENT", "PAUSE", "4000", "WRITE"), StringComparison.Ordinal);
                paused = true;
            }
            var text = $"m{i}";
            attempted.Add(text);
            var (status, _) = await Http.PublishAsync(i % 2 == 0 ? a : b, channel, text);
            if (status == HttpStatusCode.Accepted)
            {
                acknowledged.Add(text);
            }
            else
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
                Assert.True(paused);
                refused++;
            }
            await Task.Delay(25);
        }
        var last = await PublishUntilAcknowledged(a, channel, "end");

        // Every acknowledged message exactly once and in order. A refused one may have run when the pause ended (its
        // answer was what timed out), so it may be there too, once; refused ones waiting on two nodes' connections
        // ran in whichever order Redis took those connections, so their order among themselves is not promised.
        var seen = new List<string>();
        var (position, node) = (start, a);
        while (!seen.Contains("end"))
        {
            var poll = await Http.PollAsync(node, channel, position, 10).WaitAsync(Patience);
            Assert.Equal(HttpStatusCode.OK, poll.Status);
            Assert.False(poll.Gap);
            seen.AddRange(poll.Data);
            (position, node) = (poll.Cursor, node == a ? b : a);
        }
        Assert.True(refused > 0, "the pause refused no publish");
        Assert.Equal(seen.Distinct(), seen);
        Assert.Equal([.. acknowledged, "end"], seen.Where(text => acknowledged.Contains(text) || text == "end"));
        Assert.All(seen, text => Assert.True(text == "end" || attempted.Contains(text), $"'{text}' was never published"));
        Assert.True(last > 0);
    }

    /// <summary>Publishes, retrying on 503 as a publisher should, and returns the acknowledged sequence number.</summary>
    private async Task<long> PublishUntilAcknowledged(Uri node, string channel, string text)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var (status, seq) = await Http.PublishAsync(node, channel, text);
            if (status == HttpStatusCode.Accepted)
            {
                return seq;
            }
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.True(DateTime.UtcNow < deadline, $"'{text}' was never acknowledged");
            await Task.Delay(200);
        }
    }

    public async Task InitializeAsync() => _redis = await OwnRedis.StartAsync();

    public async Task DisposeAsync()
    {
        await _nodes.DisposeAsync();
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}
