using System.Net;
using System.Text.Json;
using Xunit.Abstractions;

namespace Hark.Tests.Processes;

/// <summary>
/// Presence with real server processes on one store: a client whose polls land on any node is present once, on every
/// node; a stream held on one node is seen from another; a node killed with <c>kill -9</c> takes its leases with it
/// within the grace and a half, and another node says they left.
/// </summary>
public abstract class PresenceAcrossNodesConformanceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly ProcessNodes _nodes = new(output);
    private readonly HttpClient _streams = new() { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>The environment that puts a node on the shared store (<c>Hark__Engine</c> and its settings).</summary>
    protected abstract IReadOnlyDictionary<string, string> NodeSettings { get; }

    private HarkHttp Http => _nodes.Http;

    private Task<ServerProcess[]> StartNodes(params string[] names) => _nodes.StartAsync(new Dictionary<string, string>(NodeSettings)
    {
        ["Hark__Presence__Channels__0"] = "room.*",
        // Long enough that a node slowed by a busy machine still renews in time; a lease that lapses is a leave.
        ["Hark__Presence__Grace"] = "00:00:03",
    }, names);

    private static string NewRoom() => "room.n" + Guid.NewGuid().ToString("N")[..12];

    private async Task<JsonElement> PresenceAsync(Uri node, string room)
    {
        var (status, body) = await Http.SendAsync(node, HttpMethod.Get, $"/pub/{room}/presence");
        Assert.Equal(HttpStatusCode.OK, status);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private async Task<int> CountAsync(Uri node, string room) => (await PresenceAsync(node, room)).GetProperty("count").GetInt32();

    /// <summary>The companion's history on <paramref name="node"/>: (event, client, reason), oldest first.</summary>
    private async Task<List<(string Event, string Client, string? Reason)>> EventsAsync(Uri node, string room)
    {
        var (status, body) = await Http.SendAsync(node, HttpMethod.Get, $"/sub/~presence.{room}?cursor=oldest&timeout=0");
        Assert.Equal(HttpStatusCode.OK, status);
        return [.. JsonDocument.Parse(body).RootElement.GetProperty("messages").EnumerateArray().Select(m => (m.GetProperty("event").GetString()!,
            m.GetProperty("data").GetProperty("client").GetString()!, m.GetProperty("data").TryGetProperty("reason", out var r) ? r.GetString() : null))];
    }

    /// <summary>The companion's history on <paramref name="node"/> once it holds <paramref name="count"/> events (a leave follows its lapse by a pass).</summary>
    private async Task<List<(string Event, string Client, string? Reason)>> SettledEventsAsync(Uri node, string room, int count)
    {
        await ProcessNodes.Until(async () => (await EventsAsync(node, room)).Count >= count, $"{count} presence events");
        return await EventsAsync(node, room);
    }

    [Fact]
    public async Task PollsLandingOnEitherNode_OnePresence_OneJoin_ThenOneLeave()
    {
        var nodes = (await StartNodes("A", "B")).Select(n => n.Address).ToArray();
        var room = NewRoom();

        for (var i = 0; i < 20; i++)
        {
            var (status, _) = await Http.SendAsync(nodes[i % 2], HttpMethod.Get, $"/sub/{room}?client=hopper&timeout=0");
            Assert.Equal(HttpStatusCode.OK, status);
            if (i >= 2)
            {
                // Past the first pass of each node: both say one, whichever was asked.
                Assert.Equal(1, await CountAsync(nodes[(i + 1) % 2], room));
            }
            await Task.Delay(400);
        }
        await ProcessNodes.Until(async () => await CountAsync(nodes[0], room) == 0 && await CountAsync(nodes[1], room) == 0, "the hopper has left");

        Assert.Equal([("join", "hopper", null), ("leave", "hopper", "expired")], await SettledEventsAsync(nodes[1], room, 2));
    }

    [Fact]
    public async Task StreamHeldOnA_PresentOnB_LeavesWhenItCloses()
    {
        var nodes = await StartNodes("A", "B");
        var (a, b) = (nodes[0].Address, nodes[1].Address);
        var room = NewRoom();

        var stream = await _streams.GetAsync(new Uri(a, $"/sub/{room}?client=viewer&transport=sse"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        await ProcessNodes.Until(async () => await CountAsync(b, room) == 1, "B sees the viewer");
        var seen = Assert.Single((await PresenceAsync(b, room)).GetProperty("clients").EnumerateArray());
        stream.Dispose();
        await ProcessNodes.Until(async () => await CountAsync(b, room) == 0, "B sees the viewer leave");

        Assert.Equal(("viewer", "sse"), (seen.GetProperty("client").GetString(), seen.GetProperty("transport").GetString()));
        Assert.Equal([("join", "viewer", null), ("leave", "viewer", "closed")], await SettledEventsAsync(b, room, 2));
    }

    [Fact]
    public async Task KilledNode_ItsLeasesExpire_AnotherNodeSaysTheyLeft()
    {
        var nodes = await StartNodes("A", "B");
        var (a, b) = (nodes[0].Address, nodes[1].Address);
        var room = NewRoom();
        var stream = await _streams.GetAsync(new Uri(a, $"/sub/{room}?client=doomed&transport=sse"), HttpCompletionOption.ResponseHeadersRead);
        var (kept, _) = await Http.SendAsync(b, HttpMethod.Get, $"/sub/{room}?client=survivor&transport=poll");
        Assert.Equal(HttpStatusCode.OK, kept);
        await ProcessNodes.Until(async () => await CountAsync(b, room) == 2, "both are present");

        nodes[0].KillHard();
        var killed = DateTimeOffset.UtcNow;
        await ProcessNodes.Until(async () =>
        {
            // The survivor keeps polling B; the doomed one's node is gone.
            await Http.SendAsync(b, HttpMethod.Get, $"/sub/{room}?client=survivor&transport=poll");
            return await CountAsync(b, room) == 1;
        }, "the killed node's lease has lapsed");
        var took = DateTimeOffset.UtcNow - killed;
        stream.Dispose();
        // A lapsed lease stops counting at once; its leave is published by the next sweep of a live node.
        await ProcessNodes.Until(async () => (await EventsAsync(b, room)).Contains(("leave", "doomed", "expired")), "B says the doomed one left");

        Assert.Equal("survivor", Assert.Single((await PresenceAsync(b, room)).GetProperty("clients").EnumerateArray()).GetProperty("client").GetString());
        Assert.DoesNotContain(await EventsAsync(b, room), e => e is ("leave", "survivor", _));
        // A grace and a quarter at most after its last renewal, plus a pass of the sweeper and the test's own polling.
        Assert.InRange(took, TimeSpan.Zero, TimeSpan.FromSeconds(10));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _streams.Dispose();
        await _nodes.DisposeAsync();
    }
}
