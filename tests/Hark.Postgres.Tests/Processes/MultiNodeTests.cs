using System.Net;
using Xunit.Abstractions;

namespace Hark.Postgres.Tests.Processes;

/// <summary>
/// Real Hark server processes on one database, as behind a load balancer with no sticky sessions: the
/// cursor travels with every request, so any node answers any poll.
/// </summary>
public sealed class MultiNodeTests(TestDatabase database, ITestOutputHelper output) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly List<ServerProcess> _servers = [];
    private readonly HarkHttp _http = new();

    private async Task<ServerProcess> StartNode(string name)
    {
        var server = await ServerProcess.StartAsync(name, database.ConnectionString);
        _servers.Add(server);
        return server;
    }

    private static string NewChannel() => "m" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Checks a condition until it holds or the patience runs out (a deadline, not a sleep to synchronise).</summary>
    internal static async Task Until(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task PublishOnA_ReachesLongPollSubscribersOnBAndC()
    {
        var nodes = await Task.WhenAll(StartNode("A"), StartNode("B"), StartNode("C"));
        var (a, b, c) = (nodes[0].Address, nodes[1].Address, nodes[2].Address);
        var channel = NewChannel();
        var cursor = (await _http.PollAsync(a, channel, null, 0)).Cursor;
        var onB = _http.PollAsync(b, channel, cursor, 30);
        var onC = _http.PollAsync(c, channel, cursor, 30);
        await Until(async () => await _http.SubscribersAsync(b, channel) == 1 && await _http.SubscribersAsync(c, channel) == 1, "B and C hold the polls");

        Assert.Equal(HttpStatusCode.Accepted, (await _http.PublishAsync(a, channel, "hello")).Status);

        foreach (var poll in await Task.WhenAll(onB, onC).WaitAsync(Patience))
        {
            Assert.Equal(HttpStatusCode.OK, poll.Status);
            Assert.Equal(["hello"], poll.Data);
            Assert.False(poll.Gap);
        }
    }

    [Fact]
    public async Task ConsecutivePolls_OnDifferentNodes_LoseNothing_RepeatNothing()
    {
        var nodes = (await Task.WhenAll(StartNode("A"), StartNode("B"), StartNode("C"))).Select(n => n.Address).ToArray();
        var channel = NewChannel();
        var cursor = (await _http.PollAsync(nodes[0], channel, null, 0)).Cursor;
        var seen = new List<string>();
        for (var i = 0; i < 24; i++)
        {
            var pollNode = nodes[(i + 1) % 3];
            if (i % 2 == 0)
            {
                // Published first on one node, then polled on another.
                await _http.PublishAsync(nodes[i % 3], channel, $"m{i}");
                var poll = await _http.PollAsync(pollNode, channel, cursor, 10).WaitAsync(Patience);
                seen.AddRange(poll.Data);
                cursor = poll.Cursor;
            }
            else
            {
                // Held on one node, published on another.
                var held = _http.PollAsync(pollNode, channel, cursor, 10);
                await Until(async () => await _http.SubscribersAsync(pollNode, channel) == 1, "the poll is held");
                await _http.PublishAsync(nodes[i % 3], channel, $"m{i}");
                var poll = await held.WaitAsync(Patience);
                Assert.False(poll.Gap);
                seen.AddRange(poll.Data);
                cursor = poll.Cursor;
            }
        }
        Assert.Equal(Enumerable.Range(0, 24).Select(i => $"m{i}"), seen);
    }

    [Fact]
    public async Task KillNodeA_DuringPublishes_EverySubscriberResumesOnB_ExactlyOnceInOrder()
    {
        var nodes = await Task.WhenAll(StartNode("A"), StartNode("B"));
        var (a, b) = (nodes[0], nodes[1]);
        var channel = NewChannel();
        const int Total = 300, Subscribers = 8;
        var start = (await _http.PollAsync(b.Address, channel, null, 0)).Cursor;
        var published = 0;

        async Task<List<string>> Subscribe()
        {
            var (node, cursor, seen) = (a.Address, start, new List<string>());
            while (seen.Count < Total)
            {
                HarkHttp.Poll poll;
                try
                {
                    poll = await _http.PollAsync(node, channel, cursor, 10);
                }
                catch (HttpRequestException)
                {
                    // A is gone: the client tries the other node with the cursor it has.
                    node = b.Address;
                    continue;
                }
                Assert.Equal(HttpStatusCode.OK, poll.Status);
                Assert.False(poll.Gap);
                seen.AddRange(poll.Data);
                cursor = poll.Cursor;
            }
            return seen;
        }

        var subscribers = Enumerable.Range(0, Subscribers).Select(_ => Task.Run(Subscribe)).ToList();
        for (var i = 0; i < Total; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await _http.PublishAsync(b.Address, channel, $"m{i}")).Status);
            published++;
            if (i == Total / 3)
            {
                a.KillHard();
            }
        }

        var results = await Task.WhenAll(subscribers).WaitAsync(Patience);
        Assert.Equal(Total, published);
        Assert.All(results, seen => Assert.Equal(Enumerable.Range(0, Total).Select(i => $"m{i}"), seen));
    }

    [Fact]
    public async Task AllNodesRestarted_CursorsStayValid_NoGap()
    {
        var first = await Task.WhenAll(StartNode("A"), StartNode("B"));
        var channel = NewChannel();
        for (var i = 0; i < 5; i++)
        {
            await _http.PublishAsync(first[0].Address, channel, $"m{i}");
        }
        var poll = await _http.PollAsync(first[1].Address, channel, null, 0);
        var cursor = (await _http.PollAsync(first[1].Address, channel, null, 0)).Cursor;
        foreach (var node in first)
        {
            node.KillHard();
        }

        var second = await Task.WhenAll(StartNode("C"), StartNode("D"));
        for (var i = 5; i < 8; i++)
        {
            await _http.PublishAsync(second[0].Address, channel, $"m{i}");
        }
        var resumed = await _http.PollAsync(second[1].Address, channel, cursor, 10);

        Assert.Equal(HttpStatusCode.OK, poll.Status);
        Assert.False(resumed.Gap);
        Assert.Equal(["m5", "m6", "m7"], resumed.Data);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var server in _servers)
        {
            output.WriteLine(server.Output);
            await server.DisposeAsync();
        }
        _http.Dispose();
    }
}
