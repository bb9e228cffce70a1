using System.Net;
using Xunit.Abstractions;

namespace Hark.Tests.Processes;

/// <summary>
/// Real Hark server processes on one store, as behind a load balancer with no sticky sessions: the cursor travels
/// with every request, so any node answers any poll. Each engine that several nodes share derives from this with
/// the settings that put a node on its store.
/// </summary>
public abstract class MultiNodeConformanceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly ProcessNodes _nodes = new(output);

    /// <summary>The environment that puts a node on the shared store (<c>Hark__Engine</c> and its settings).</summary>
    protected abstract IReadOnlyDictionary<string, string> NodeSettings { get; }

    private HarkHttp Http => _nodes.Http;

    private async Task<ServerProcess> StartNode(string name) => await _nodes.StartAsync(name, NodeSettings);

    private static string NewChannel() => "m" + Guid.NewGuid().ToString("N")[..12];

    private static Task Until(Func<Task<bool>> condition, string what) => ProcessNodes.Until(condition, what);

    [Fact]
    public async Task PublishOnA_ReachesLongPollSubscribersOnBAndC()
    {
        var nodes = await Task.WhenAll(StartNode("A"), StartNode("B"), StartNode("C"));
        var (a, b, c) = (nodes[0].Address, nodes[1].Address, nodes[2].Address);
        var channel = NewChannel();
        var cursor = (await Http.PollAsync(a, channel, null, 0)).Cursor;
        var onB = Http.PollAsync(b, channel, cursor, 30);
        var onC = Http.PollAsync(c, channel, cursor, 30);
        await Until(async () => await Http.SubscribersAsync(b, channel) == 1 && await Http.SubscribersAsync(c, channel) == 1, "B and C hold the polls");

        Assert.Equal(HttpStatusCode.Accepted, (await Http.PublishAsync(a, channel, "hello")).Status);

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
        var cursor = (await Http.PollAsync(nodes[0], channel, null, 0)).Cursor;
        var seen = new List<string>();
        for (var i = 0; i < 24; i++)
        {
            var pollNode = nodes[(i + 1) % 3];
            if (i % 2 == 0)
            {
                // Published first on one node, then polled on another.
                await Http.PublishAsync(nodes[i % 3], channel, $"m{i}");
                var poll = await Http.PollAsync(pollNode, channel, cursor, 10).WaitAsync(Patience);
                seen.AddRange(poll.Data);
                cursor = poll.Cursor;
            }
            else
            {
                // Held on one node, published on another.
                var held = Http.PollAsync(pollNode, channel, cursor, 10);
                await Until(async () => await Http.SubscribersAsync(pollNode, channel) == 1, "the poll is held");
                await Http.PublishAsync(nodes[i % 3], channel, $"m{i}");
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
        var start = (await Http.PollAsync(b.Address, channel, null, 0)).Cursor;
        var published = 0;

        async Task<List<string>> Subscribe()
        {
            var (node, cursor, seen) = (a.Address, start, new List<string>());
            while (seen.Count < Total)
            {
                HarkHttp.Poll poll;
                try
                {
                    poll = await Http.PollAsync(node, channel, cursor, 10);
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
            Assert.Equal(HttpStatusCode.Accepted, (await Http.PublishAsync(b.Address, channel, $"m{i}")).Status);
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
            await Http.PublishAsync(first[0].Address, channel, $"m{i}");
        }
        var poll = await Http.PollAsync(first[1].Address, channel, null, 0);
        var cursor = (await Http.PollAsync(first[1].Address, channel, null, 0)).Cursor;
        foreach (var node in first)
        {
            node.KillHard();
        }

        var second = await Task.WhenAll(StartNode("C"), StartNode("D"));
        for (var i = 5; i < 8; i++)
        {
            await Http.PublishAsync(second[0].Address, channel, $"m{i}");
        }
        var resumed = await Http.PollAsync(second[1].Address, channel, cursor, 10);

        Assert.Equal(HttpStatusCode.OK, poll.Status);
        Assert.False(resumed.Gap);
        Assert.Equal(["m5", "m6", "m7"], resumed.Data);
    }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync() => await _nodes.DisposeAsync();
}
