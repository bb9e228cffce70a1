using Hark.AspNetCore.Tests.Infrastructure;
using Hark.Client;

namespace Hark.AspNetCore.Tests.Client;

/// <summary>The .NET client's presence on real Kestrel: client ids on every transport, the list, and joins and leaves followed from its cursor.</summary>
public sealed class HarkClientPresenceTests(ITestOutputHelper output)
    : ServerTest(output, "Hark:Presence:Channels:0=room.*", "Hark:Presence:Grace=00:00:01", "Hark:History:MaxMessages=5")
{
    private static readonly TimeSpan Patience = HarkTestServer.Patience;

    private HarkClient NewClient(SubscribeTransport transport = SubscribeTransport.LongPoll, string? clientId = null) =>
        new(new HttpClient(new SocketsHttpHandler { UseProxy = false }), new HarkClientOptions
        {
            BaseAddress = Server.Address,
            Transport = transport,
            ClientId = clientId,
            PollTimeout = TimeSpan.FromSeconds(5),
            RetryDelay = TimeSpan.FromMilliseconds(50),
            MaxRetryDelay = TimeSpan.FromMilliseconds(400),
        });

    private static string NewRoom() => "room." + HarkTestServer.NewChannel();

    /// <summary>Runs a subscription in the background until the returned hold is cancelled or disposed.</summary>
    private static Held Hold(IAsyncEnumerable<HarkEvent> events)
    {
        var stop = new CancellationTokenSource();
        _ = Task.Run(async () =>
        {
            try
            {
                await foreach (var _ in events.WithCancellation(stop.Token))
                {
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        return new Held(stop);
    }

    private sealed class Held(CancellationTokenSource stop) : IDisposable
    {
        public Task CancelAsync() => stop.CancelAsync();

        public void Cancel() => stop.Cancel();

        public void Dispose()
        {
            stop.Cancel();
            stop.Dispose();
        }
    }

    private static async Task<HarkPresenceEvent> NextAsync(IAsyncEnumerator<HarkPresenceEvent> events)
    {
        Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(Patience), "the watch ended");
        return events.Current;
    }

    [Theory]
    [InlineData(SubscribeTransport.LongPoll, "longpoll")]
    [InlineData(SubscribeTransport.Stream, "ndjson")]
    [InlineData(SubscribeTransport.WebSocket, "ws")]
    public async Task Subscribe_WithClientId_IsListedUnderIt(SubscribeTransport transport, string wire)
    {
        var room = NewRoom();
        using var held = Hold(NewClient(transport, "desk-1").SubscribeAsync([room]));
        var client = NewClient();
        await HarkTestServer.EventuallyAsync(async () => (await client.GetPresenceAsync(room)).Count == 1, "the subscriber is listed");
        var presence = await client.GetPresenceAsync(room);
        Assert.Equal(room, presence.Channel);
        var listed = Assert.Single(presence.Clients);
        Assert.Equal("desk-1", listed.Client);
        Assert.Null(listed.User);
        // A long-poll's first request answers at once: until its next, it is listed as a poll.
        string[] expected = wire == "longpoll" ? ["poll", "longpoll"] : [wire];
        Assert.Contains(listed.Transport, expected);
        Assert.InRange(listed.Since, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Matches(@"^.+:\d+$", presence.Cursor);
    }

    [Fact]
    public async Task Subscribe_PerSubscriptionClientId_OverridesTheOptionAndNullNamesNone()
    {
        var (a, b) = (NewRoom(), NewRoom());
        var subscriber = NewClient(clientId: "from-options");
        using var named = Hold(subscriber.SubscribeAsync([a], null, "own-id"));
        using var unnamed = Hold(subscriber.SubscribeAsync([b], null, null));
        await HarkTestServer.EventuallyAsync(async () => (await subscriber.GetPresenceAsync(a)).Count == 1, "the named subscriber is listed");
        Assert.Equal("own-id", Assert.Single((await subscriber.GetPresenceAsync(a)).Clients).Client);
        Assert.Equal(0, (await subscriber.GetPresenceAsync(b)).Count);
        await Assert.ThrowsAsync<ArgumentException>(async () => await subscriber.SubscribeAsync([a], null, "not valid").GetAsyncEnumerator().MoveNextAsync());
    }

    [Fact]
    public async Task GetPresence_UntrackedChannel_ThrowsPresenceOff()
    {
        var error = await Assert.ThrowsAsync<HarkException>(() => NewClient().GetPresenceAsync(HarkTestServer.NewChannel()));
        Assert.Equal(404, error.Status);
        Assert.Equal("urn:hark:problem:presence-off", error.ProblemType);
    }

    [Fact]
    public async Task GetPresence_Limit_ListsFewerAndCountsAll()
    {
        var room = NewRoom();
        var holds = new[] { "l1", "l2", "l3" }.Select(id => Hold(NewClient(SubscribeTransport.WebSocket, id).SubscribeAsync([room]))).ToList();
        var client = NewClient();
        await HarkTestServer.EventuallyAsync(async () => (await client.GetPresenceAsync(room)).Count == 3, "three are listed");
        var presence = await client.GetPresenceAsync(room, limit: 1);
        Assert.Equal(3, presence.Count);
        Assert.Single(presence.Clients);
        holds.ForEach(h => h.Dispose());
    }

    [Theory]
    [InlineData(SubscribeTransport.LongPoll)]
    [InlineData(SubscribeTransport.WebSocket)]
    public async Task WatchPresence_YieldsTheListThenJoinsAndLeavesWithReasons(SubscribeTransport watching)
    {
        var room = NewRoom();
        using var early = Hold(NewClient(SubscribeTransport.WebSocket, "early").SubscribeAsync([room]));
        var watcher = NewClient(watching);
        await HarkTestServer.EventuallyAsync(async () => (await watcher.GetPresenceAsync(room)).Count == 1, "the early client is listed");
        using var stop = new CancellationTokenSource(Patience * 2);
        await using var events = watcher.WatchPresenceAsync(room, cancellationToken: stop.Token).GetAsyncEnumerator(stop.Token);

        var list = Assert.IsType<HarkPresenceList>(await NextAsync(events));
        Assert.Equal("early", Assert.Single(list.Presence.Clients).Client);

        using var socket = Hold(NewClient(SubscribeTransport.WebSocket, "sock").SubscribeAsync([room]));
        var joined = Assert.IsType<HarkPresenceJoined>(await NextAsync(events));
        Assert.Equal("sock", joined.Client.Client);
        Assert.Equal("ws", joined.Client.Transport);
        using var poll = Hold(NewClient(SubscribeTransport.LongPoll, "poller").SubscribeAsync([room]));
        Assert.Equal("poller", Assert.IsType<HarkPresenceJoined>(await NextAsync(events)).Client.Client);

        await socket.CancelAsync();
        var left = Assert.IsType<HarkPresenceLeft>(await NextAsync(events));
        Assert.Equal(("sock", "closed"), (left.Client, left.Reason));
        await poll.CancelAsync();
        left = Assert.IsType<HarkPresenceLeft>(await NextAsync(events));
        Assert.Equal(("poller", "expired"), (left.Client, left.Reason));
        Assert.StartsWith(list.Presence.Cursor.Split(':')[0], left.Cursor, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WatchPresence_JoinOfAListedClientAndLeaveOfAnUnlistedOne_AreSkipped()
    {
        var room = NewRoom();
        var reader = NewClient();
        using (var gone = Hold(NewClient(SubscribeTransport.WebSocket, "gone").SubscribeAsync([room])))
        {
            await HarkTestServer.EventuallyAsync(async () => (await reader.GetPresenceAsync(room)).Count == 1, "gone is listed");
        }
        await HarkTestServer.EventuallyAsync(async () => (await reader.GetPresenceAsync(room)).Count == 0, "gone has left");
        using var a = Hold(NewClient(SubscribeTransport.WebSocket, "a").SubscribeAsync([room]));
        await HarkTestServer.EventuallyAsync(async () => (await reader.GetPresenceAsync(room)).Count == 1, "a is listed");
        // A list whose cursor is the companion's start: gone's join and leave and a's join all come after it, as they
        // would for changes made while the list was being read.
        var watcher = new HarkClient(new HttpClient(new RewindingHandler { InnerHandler = new SocketsHttpHandler { UseProxy = false } }),
            new HarkClientOptions { BaseAddress = Server.Address, PollTimeout = TimeSpan.FromSeconds(5) });
        using var stop = new CancellationTokenSource(Patience * 2);
        await using var events = watcher.WatchPresenceAsync(room, cancellationToken: stop.Token).GetAsyncEnumerator(stop.Token);
        var list = Assert.IsType<HarkPresenceList>(await NextAsync(events));
        Assert.Equal("a", Assert.Single(list.Presence.Clients).Client);
        // gone's join is new to the list and its leave follows; a's join is skipped; b's is the next.
        Assert.Equal("gone", Assert.IsType<HarkPresenceJoined>(await NextAsync(events)).Client.Client);
        Assert.Equal("gone", Assert.IsType<HarkPresenceLeft>(await NextAsync(events)).Client);
        using var b = Hold(NewClient(SubscribeTransport.WebSocket, "b").SubscribeAsync([room]));
        Assert.Equal("b", Assert.IsType<HarkPresenceJoined>(await NextAsync(events)).Client.Client);
    }

    /// <summary>Answers a presence list with its cursor moved back to the companion's start.</summary>
    private sealed class RewindingHandler : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.RequestUri!.AbsolutePath.EndsWith("/presence", StringComparison.Ordinal) && response.IsSuccessStatusCode)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                text = System.Text.RegularExpressions.Regex.Replace(text, "\"cursor\":\"([^\"]+):\\d+\"", "\"cursor\":\"$1:0\"");
                response.Content = new StringContent(text, System.Text.Encoding.UTF8, "application/json");
            }
            return response;
        }
    }

    [Fact]
    public async Task WatchPresence_AfterAGap_ReadsTheListAgain()
    {
        var room = NewRoom();
        var watcher = NewClient();
        using var stop = new CancellationTokenSource(Patience * 3);
        await using var events = watcher.WatchPresenceAsync(room, cancellationToken: stop.Token).GetAsyncEnumerator(stop.Token);
        Assert.Empty(Assert.IsType<HarkPresenceList>(await NextAsync(events)).Presence.Clients);
        // Not reading: more joins and leaves than the companion's history keeps (5) pass meanwhile.
        for (var i = 0; i < 4; i++)
        {
            using var brief = Hold(NewClient(SubscribeTransport.WebSocket, $"brief{i}").SubscribeAsync([room]));
            await HarkTestServer.EventuallyAsync(async () => (await watcher.GetPresenceAsync(room)).Count == 1, $"brief{i} is listed");
            await brief.CancelAsync();
            await HarkTestServer.EventuallyAsync(async () => (await watcher.GetPresenceAsync(room)).Count == 0, $"brief{i} has left");
        }
        using var stays = Hold(NewClient(SubscribeTransport.WebSocket, "stays").SubscribeAsync([room]));
        await HarkTestServer.EventuallyAsync(async () => (await watcher.GetPresenceAsync(room)).Count == 1, "stays is listed");
        // The subscription from the old cursor finds a gap: the next event is a new list.
        var next = await NextAsync(events);
        var relisted = Assert.IsType<HarkPresenceList>(next);
        Assert.Equal("stays", Assert.Single(relisted.Presence.Clients).Client);
    }
}
