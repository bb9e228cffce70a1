using Hark.Presence;

namespace Hark.Tests.Presence;

/// <summary>
/// What every presence store must do. Each store's test class derives from this and says how to make one; two stores made
/// by it share one backing store (two nodes). Leases are short and the test waits real time for them to lapse: shared
/// stores keep time on their own clock.
/// </summary>
public abstract class PresenceStoreConformanceTests : IAsyncLifetime
{
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>A store on the backing store under test; each call is another node's.</summary>
    protected abstract IPresenceStore CreateStore();

    /// <summary>A channel name no other test uses.</summary>
    protected static string NewChannel() => "room." + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Moves the store's clock past <paramref name="by"/> (real stores: waits).</summary>
    protected virtual Task PassAsync(TimeSpan by) => Task.Delay(by);

    /// <summary>The store's clock now (real stores: the machine's).</summary>
    protected virtual DateTimeOffset Now => DateTimeOffset.UtcNow;

    private static PresenceEntry Entry(string channel, string client, string? user = null, string transport = "longpoll") =>
        new(channel, client, user, transport);

    [Fact]
    public async Task Renew_NewLeaseJoins_RenewedLeaseDoesNot()
    {
        var store = CreateStore();
        var c = NewChannel();

        var first = await store.RenewAsync([Entry(c, "a", "alice")], TimeSpan.FromMinutes(1), default);
        var again = await store.RenewAsync([Entry(c, "a", "alice", "sse")], TimeSpan.FromMinutes(1), default);

        Assert.True(first[0].Joined);
        Assert.False(again[0].Joined);
        Assert.True(again[0].Until >= first[0].Until);
        var snapshot = await store.ReadAsync(c, 10, default);
        Assert.Equal(1, snapshot.Count);
        var present = Assert.Single(snapshot.Clients);
        Assert.Equal(("a", "alice", "sse"), (present.Client, present.User, present.Transport));
    }

    [Fact]
    public async Task Renew_ABatch_OneResultPerEntryInOrder_AcrossChannels()
    {
        var store = CreateStore();
        var (x, y) = (NewChannel(), NewChannel());
        await store.RenewAsync([Entry(x, "b")], TimeSpan.FromMinutes(1), default);

        var results = await store.RenewAsync([Entry(x, "a"), Entry(x, "b"), Entry(y, "b"), Entry(y, "c", "carol")], TimeSpan.FromMinutes(1), default);

        Assert.Equal([true, false, true, true], results.Select(r => r.Joined));
        Assert.Equal(2, (await store.ReadAsync(x, 10, default)).Count);
        Assert.Equal(2, (await store.ReadAsync(y, 10, default)).Count);
    }

    [Fact]
    public async Task TwoNodesRenewingOneNewLease_OnlyOneIsToldItJoined()
    {
        var (a, b) = (CreateStore(), CreateStore());
        var c = NewChannel();

        var both = await Task.WhenAll(
            a.RenewAsync([Entry(c, "x")], TimeSpan.FromMinutes(1), default).AsTask(),
            b.RenewAsync([Entry(c, "x")], TimeSpan.FromMinutes(1), default).AsTask());

        Assert.Equal(1, both.Count(r => r[0].Joined));
        Assert.Equal(1, (await a.ReadAsync(c, 10, default)).Count);
    }

    [Fact]
    public async Task Remove_EndsTheLeaseOnce_AndEveryNodeSeesIt()
    {
        var (a, b) = (CreateStore(), CreateStore());
        var c = NewChannel();
        var renewed = await a.RenewAsync([Entry(c, "x"), Entry(c, "y")], TimeSpan.FromMinutes(1), default);

        var removed = await a.RemoveAsync([new PresenceRemoval(c, "x", renewed[0].Until)], default);
        var again = await a.RemoveAsync([new PresenceRemoval(c, "x", renewed[0].Until)], default);

        Assert.Equal([true], removed);
        Assert.Equal([false], again);
        var seen = await b.ReadAsync(c, 10, default);
        Assert.Equal(1, seen.Count);
        Assert.Equal("y", Assert.Single(seen.Clients).Client);
    }

    [Fact]
    public async Task Remove_ALeaseAnotherNodeRenewedSince_Stays()
    {
        var (a, b) = (CreateStore(), CreateStore());
        var c = NewChannel();
        var mine = await a.RenewAsync([Entry(c, "x")], TimeSpan.FromSeconds(30), default);
        await PassAsync(TimeSpan.FromMilliseconds(20));
        var theirs = await b.RenewAsync([Entry(c, "x")], TimeSpan.FromSeconds(60), default);

        var removed = await a.RemoveAsync([new PresenceRemoval(c, "x", mine[0].Until)], default);

        Assert.False(theirs[0].Joined);
        Assert.Equal([false], removed);
        Assert.Equal(1, (await a.ReadAsync(c, 10, default)).Count);
    }

    [Fact]
    public async Task Remove_ALeaseRenewedAtOnceByAnotherNode_Stays()
    {
        var (a, b) = (CreateStore(), CreateStore());
        var c = NewChannel();
        var mine = await a.RenewAsync([Entry(c, "x")], TimeSpan.FromSeconds(30), default);
        // No time passes: the other node's write still ends later than this node's.
        var theirs = await b.RenewAsync([Entry(c, "x")], TimeSpan.FromSeconds(30), default);

        var removed = await a.RemoveAsync([new PresenceRemoval(c, "x", mine[0].Until)], default);

        Assert.True(theirs[0].Until > mine[0].Until);
        Assert.Equal([false], removed);
    }

    [Fact]
    public async Task Renew_NeverShortensALease_AnotherNodesLongerClaimStands()
    {
        var (a, b) = (CreateStore(), CreateStore());
        var c = NewChannel();
        var longer = await a.RenewAsync([Entry(c, "x")], TimeSpan.FromMinutes(1), default);

        var shorter = await b.RenewAsync([Entry(c, "x")], TimeSpan.FromMilliseconds(200), default);
        await PassAsync(TimeSpan.FromMilliseconds(400));

        Assert.True(shorter[0].Until > longer[0].Until);
        Assert.Equal(1, (await a.ReadAsync(c, 10, default)).Count);
        Assert.DoesNotContain(await b.TakeExpiredAsync(1000, default), e => e.Channel == c);
    }

    [Fact]
    public async Task LapsedLease_NotCounted_ThenSweptOnceByOneNode()
    {
        var (a, b) = (CreateStore(), CreateStore());
        var c = NewChannel();
        await a.RenewAsync([Entry(c, "gone", "g")], TimeSpan.FromMilliseconds(300), default);
        await a.RenewAsync([Entry(c, "here")], TimeSpan.FromMinutes(1), default);

        await PassAsync(TimeSpan.FromMilliseconds(600));
        var count = (await b.ReadAsync(c, 10, default)).Count;
        var swept = await Task.WhenAll(a.TakeExpiredAsync(1000, default).AsTask(), b.TakeExpiredAsync(1000, default).AsTask());

        Assert.Equal(1, count);
        var mine = swept.SelectMany(s => s).Where(e => e.Channel == c).ToList();
        var taken = Assert.Single(mine);
        Assert.Equal(("gone", "g", "longpoll"), (taken.Client.Client, taken.Client.User, taken.Client.Transport));
        Assert.Equal("here", Assert.Single((await a.ReadAsync(c, 10, default)).Clients).Client);
    }

    [Fact]
    public async Task LapsedButUnsweptLease_RenewedAgain_IsNotANewJoin()
    {
        var store = CreateStore();
        var c = NewChannel();
        await store.RenewAsync([Entry(c, "x")], TimeSpan.FromMilliseconds(200), default);
        await PassAsync(TimeSpan.FromMilliseconds(400));

        var renewed = await store.RenewAsync([Entry(c, "x")], TimeSpan.FromMinutes(1), default);

        Assert.False(renewed[0].Joined);
        Assert.DoesNotContain(await store.TakeExpiredAsync(1000, default), e => e.Channel == c);
        Assert.Equal(1, (await store.ReadAsync(c, 10, default)).Count);
    }

    [Fact]
    public async Task TakeExpired_TakesAtMostMax_TheRestNextTime()
    {
        var store = CreateStore();
        var c = NewChannel();
        await store.RenewAsync([.. Enumerable.Range(0, 5).Select(i => Entry(c, "x" + i))], TimeSpan.FromMilliseconds(200), default);
        await PassAsync(TimeSpan.FromMilliseconds(400));

        var first = await store.TakeExpiredAsync(3, default);
        var rest = await store.TakeExpiredAsync(1000, default);

        Assert.Equal(3, first.Count);
        Assert.Equal(5, first.Concat(rest).Count(e => e.Channel == c));
        Assert.Equal(5, first.Concat(rest).Where(e => e.Channel == c).Select(e => e.Client.Client).Distinct().Count());
    }

    [Fact]
    public async Task Read_CountIsExact_BeyondTheListedMax_EarliestFirst()
    {
        var store = CreateStore();
        var c = NewChannel();
        foreach (var i in Enumerable.Range(0, 30))
        {
            await store.RenewAsync([Entry(c, $"c{i:00}", $"u{i}")], TimeSpan.FromMinutes(1), default);
            if (i < 3)
            {
                await PassAsync(TimeSpan.FromMilliseconds(5));
            }
        }

        var snapshot = await store.ReadAsync(c, 5, default);
        var none = await store.ReadAsync(c, 0, default);

        Assert.Equal(30, snapshot.Count);
        Assert.Equal(5, snapshot.Clients.Count);
        Assert.Equal(["c00", "c01", "c02"], snapshot.Clients.Take(3).Select(p => p.Client));
        Assert.True(snapshot.Clients.Zip(snapshot.Clients.Skip(1)).All(p => p.First.Since <= p.Second.Since));
        Assert.Equal(30, none.Count);
        Assert.Empty(none.Clients);
    }

    [Fact]
    public async Task Since_KeptAcrossRenewals_UserAndTransportFollowTheLatest()
    {
        var store = CreateStore();
        var c = NewChannel();
        await store.RenewAsync([Entry(c, "x", null, "longpoll")], TimeSpan.FromMinutes(1), default);
        var since = Assert.Single((await store.ReadAsync(c, 10, default)).Clients).Since;
        await PassAsync(TimeSpan.FromMilliseconds(50));

        await store.RenewAsync([Entry(c, "x", "xavier", "ws")], TimeSpan.FromMinutes(1), default);

        var present = Assert.Single((await store.ReadAsync(c, 10, default)).Clients);
        Assert.Equal(since, present.Since);
        Assert.Equal(("xavier", "ws"), (present.User, present.Transport));
        Assert.InRange(Now - since, TimeSpan.FromSeconds(-30), TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task UnknownChannel_ReadsEmpty()
    {
        var snapshot = await CreateStore().ReadAsync(NewChannel(), 10, default);

        Assert.Equal(0, snapshot.Count);
        Assert.Empty(snapshot.Clients);
    }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;
}
