using Hark.AspNetCore.Internal;
using Hark.AspNetCore.Internal.Presence;
using Hark.Memory;
using Hark.Presence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Hark.AspNetCore.Tests;

/// <summary>
/// The node's presence loop, pass by pass on a clock the test sets: two trackers on one store and one engine stand for two
/// nodes. What each pass writes, removes and sweeps, and the join and leave events it publishes, in order.
/// </summary>
public sealed class PresenceTrackerTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    private readonly Clock _time = new();
    private readonly MemoryEngine _engine;
    private readonly MemoryPresenceStore _store;

    public PresenceTrackerTests()
    {
        _engine = new MemoryEngine(new HistoryOptions(), _time);
        _store = new MemoryPresenceStore(_time);
    }

    private PresenceTracker Node(IPresenceStore? store = null) => new(_engine, store ?? _store, Options.Create(new HarkOptions
    {
        Presence = { Channels = ["room.*"], Grace = Grace },
    }), Metrics, _time, NullLogger<PresenceTracker>.Instance);

    private HarkMetrics Metrics => field ??= new HarkMetrics(
        new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), _engine, _time,
        Options.Create(new HarkOptions()));

    private async Task<List<string>> EventsAsync(string channel)
    {
        var start = await _engine.GetStartAsync([PresenceTracker.CompanionOf(channel)], StartPoint.Oldest, default);
        var batch = await _engine.ReadAsync(start, 1000, default);
        return [.. batch.Messages.Select(m => m.Event + " " + System.Text.Encoding.UTF8.GetString(m.Payload.Json.Span))];
    }

    [Fact]
    public async Task LongPoll_JoinsOnTheFirstPass_StaysTheGrace_ThenLapsesAndLeaves()
    {
        var node = Node();
        var hold = node.Enter(["room.1", "other"], "tab", "alice", "longpoll");
        await node.PassAsync(default);
        node.Exit(hold!, closed: false);

        _time.Advance(Grace);
        await node.PassAsync(default);
        var during = (await _store.ReadAsync("room.1", 10, default)).Count;
        // A grace and a quarter after the write (the quarter: when it would have been written again).
        _time.Advance(Grace / 4);
        await node.PassAsync(default);

        Assert.Equal("room.1", Assert.Single(hold!).Channel);
        Assert.Equal(1, during);
        Assert.Equal(0, (await _store.ReadAsync("room.1", 10, default)).Count);
        Assert.Equal([
            """join {"client":"tab","user":"alice","transport":"longpoll"}""",
            """leave {"client":"tab","user":"alice","transport":"longpoll","reason":"expired"}""",
        ], await EventsAsync("room.1"));
        Assert.Equal(0, node.LocalCount);
    }

    [Fact]
    public async Task HeldLease_RenewedEveryQuarterGrace_NeverLapses()
    {
        var node = Node();
        var hold = node.Enter(["room.1"], "sock", null, "ws");
        for (var i = 0; i < 20; i++)
        {
            await node.PassAsync(default);
            _time.Advance(TimeSpan.FromSeconds(2));
            Assert.Empty(await _store.TakeExpiredAsync(10, default));
        }
        node.Exit(hold!, closed: true);
        await node.PassAsync(default);

        Assert.Equal(["join", "leave"], (await EventsAsync("room.1")).Select(e => e.Split(' ')[0]));
        Assert.EndsWith("\"reason\":\"closed\"}", (await EventsAsync("room.1"))[1]);
    }

    [Fact]
    public async Task ClientMovingToAnotherNode_WithinTheGrace_NeitherLeavesNorJoinsAgain()
    {
        var (a, b) = (Node(), Node());
        a.Exit(a.Enter(["room.1"], "tab", null, "longpoll")!, closed: false);
        await a.PassAsync(default);
        _time.Advance(TimeSpan.FromSeconds(2));

        // Its next poll lands on B, and keeps landing there.
        var onB = b.Enter(["room.1"], "tab", null, "longpoll")!;
        await b.PassAsync(default);
        _time.Advance(Grace);
        await a.PassAsync(default);
        await b.PassAsync(default);

        _time.Advance(Grace / 4);
        await a.PassAsync(default);
        await b.PassAsync(default);

        Assert.Equal(1, (await _store.ReadAsync("room.1", 10, default)).Count);
        Assert.Equal(["join"], (await EventsAsync("room.1")).Select(e => e.Split(' ')[0]));
        // A's write has lapsed by its clock: it forgets the lease, and B's claim stands.
        Assert.Equal(0, a.LocalCount);
        b.Exit(onB, closed: true);
    }

    [Fact]
    public async Task DeadNode_ItsLeaseLapses_AnotherNodeSweepsIt_Once()
    {
        var (dead, alive, third) = (Node(), Node(), Node());
        dead.Enter(["room.1"], "gone", null, "sse");
        await dead.PassAsync(default);

        // The node stops passing: a grace and a quarter after its write, the lease is gone.
        _time.Advance(Grace * 1.25);
        await alive.PassAsync(default);
        await third.PassAsync(default);

        Assert.Equal(0, (await _store.ReadAsync("room.1", 10, default)).Count);
        Assert.Equal(["join", "leave"], (await EventsAsync("room.1")).Select(e => e.Split(' ')[0]));
        Assert.EndsWith("\"reason\":\"expired\"}", (await EventsAsync("room.1"))[1]);
    }

    [Fact]
    public async Task StoreFailing_NothingLost_TheNextPassWritesAndPublishes()
    {
        var store = new FailingStore(_store);
        var node = Node(store);
        var hold = node.Enter(["room.1"], "x", null, "sse")!;
        store.Failing = true;
        await node.PassAsync(default);
        var whileDown = (await _store.ReadAsync("room.1", 10, default)).Count;
        store.Failing = false;
        await node.PassAsync(default);
        node.Exit(hold, closed: true);
        await node.PassAsync(default);

        Assert.Equal(0, whileDown);
        Assert.Equal(["join", "leave"], (await EventsAsync("room.1")).Select(e => e.Split(' ')[0]));
    }

    [Fact]
    public async Task PollsComingAndGoingBetweenPasses_KeepTheLease_OneJoin()
    {
        var node = Node();
        for (var second = 0; second < 40; second++)
        {
            if (second % 2 == 0)
            {
                // An instant poll every two seconds, never held while a pass runs.
                node.Exit(node.Enter(["room.1"], "poller", null, "poll")!, closed: false);
            }
            _time.Advance(TimeSpan.FromMilliseconds(500));
            await node.PassAsync(default);
            _time.Advance(TimeSpan.FromMilliseconds(500));
            await node.PassAsync(default);
        }
        var stillThere = (await _store.ReadAsync("room.1", 10, default)).Count;
        _time.Advance(Grace * 1.5);
        await node.PassAsync(default);

        Assert.Equal(1, stillThere);
        Assert.Equal(["join", "leave"], (await EventsAsync("room.1")).Select(e => e.Split(' ')[0]));
    }

    [Fact]
    public async Task PollEndingBeforeAnyPass_StillJoins_ThenLapses()
    {
        var node = Node();
        node.Exit(node.Enter(["room.1"], "quick", null, "poll")!, closed: false);

        await node.PassAsync(default);
        var present = (await _store.ReadAsync("room.1", 10, default)).Count;
        _time.Advance(Grace * 1.25);
        await node.PassAsync(default);

        Assert.Equal(1, present);
        Assert.Equal(["join", "leave"], (await EventsAsync("room.1")).Select(e => e.Split(' ')[0]));
        Assert.Equal(0, node.LocalCount);
    }

    [Fact]
    public async Task ClientBetweenPollsOnTwoNodes_NeitherEndsTheOthersClaim()
    {
        var (a, b) = (Node(), Node());
        // Polls alternate between the nodes; the last one on A is later than B's last write.
        b.Exit(b.Enter(["room.1"], "tab", null, "longpoll")!, closed: false);
        await b.PassAsync(default);
        _time.Advance(TimeSpan.FromSeconds(1));
        var onA = a.Enter(["room.1"], "tab", null, "longpoll")!;
        await a.PassAsync(default);
        for (var i = 0; i < 8; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(2));
            await a.PassAsync(default);
            await b.PassAsync(default);
        }
        a.Exit(onA, closed: false);
        var stillThere = (await _store.ReadAsync("room.1", 10, default)).Count;
        _time.Advance(Grace * 1.25);
        await b.PassAsync(default);
        await a.PassAsync(default);

        Assert.Equal(1, stillThere);
        Assert.Equal(["join", "leave"], (await EventsAsync("room.1")).Select(e => e.Split(' ')[0]));
    }

    [Fact]
    public void Names_CompanionsAndClientIds()
    {
        var node = Node();

        Assert.True(node.Tracks("room.1"));
        Assert.False(node.Tracks("other"));
        Assert.False(node.Tracks("room." + new string('a', 114)));
        Assert.Equal("~presence.room.1", PresenceTracker.CompanionOf("room.1"));
        Assert.Equal("room.1", PresenceTracker.CompanionFor("~presence.room.1"));
        Assert.Null(PresenceTracker.CompanionFor("room.1"));
        Assert.True(PresenceTracker.IsValidClient("tab-1.a:b@c_d"));
        Assert.False(PresenceTracker.IsValidClient(""));
        Assert.False(PresenceTracker.IsValidClient("a b"));
        Assert.False(PresenceTracker.IsValidClient(new string('a', 65)));
        Assert.Null(node.Enter(["room.1"], null, null, "sse"));
        Assert.Null(node.Enter(["other"], "x", null, "sse"));
    }

    private sealed class Clock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }

    /// <summary>The memory store, refusing every call while <see cref="Failing"/>.</summary>
    private sealed class FailingStore(IPresenceStore inner) : IPresenceStore
    {
        public bool Failing { get; set; }

        private void ThrowIfFailing()
        {
            if (Failing)
            {
                throw new HarkUnavailableException("The store is down.");
            }
        }

        public ValueTask<IReadOnlyList<LeaseRenewal>> RenewAsync(IReadOnlyList<PresenceEntry> entries, TimeSpan ttl, CancellationToken cancellationToken)
        {
            ThrowIfFailing();
            return inner.RenewAsync(entries, ttl, cancellationToken);
        }

        public ValueTask<IReadOnlyList<bool>> RemoveAsync(IReadOnlyList<PresenceRemoval> removals, CancellationToken cancellationToken)
        {
            ThrowIfFailing();
            return inner.RemoveAsync(removals, cancellationToken);
        }

        public ValueTask<IReadOnlyList<PresenceExpiry>> TakeExpiredAsync(int max, CancellationToken cancellationToken)
        {
            ThrowIfFailing();
            return inner.TakeExpiredAsync(max, cancellationToken);
        }

        public ValueTask<PresenceSnapshot> ReadAsync(string channel, int max, CancellationToken cancellationToken) => inner.ReadAsync(channel, max, cancellationToken);
    }
}
