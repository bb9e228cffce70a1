using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Hark.AspNetCore.Tests.Infrastructure;
using Hark.Client;

namespace Hark.AspNetCore.Tests;

/// <summary>
/// Presence on a real server, on every transport: a subscriber naming a client id joins, stays while it holds (a
/// long-poll between polls for the grace), and leaves; the joins and leaves are the companion channel's history.
/// </summary>
public sealed class PresenceTests(ITestOutputHelper output) : ServerTest(output,
    "Hark:Presence:Channels:0=room.*",
    "Hark:Presence:Grace=00:00:01",
    "Hark:Presence:MaxListed=3",
    "Hark:Subscribe:ProtectedChannels:0=room.private.*",
    $"Hark:Subscribe:TokenKeys:0={Key}")
{
    private const string Key = "presence-key-0123456789-0123456789-0123";

    private static string NewRoom() => "room." + HarkTestServer.NewChannel();

    private async Task<JsonElement> PresenceAsync(string channel, string query = "")
    {
        using var response = await Server.Client.GetAsync($"/pub/{channel}/presence{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private async Task<int> CountAsync(string channel) => (await PresenceAsync(channel)).GetProperty("count").GetInt32();

    /// <summary>The companion's history: (event, client, reason) of each join and leave, oldest first.</summary>
    private async Task<List<(string Event, string Client, string? Reason)>> EventsAsync(string channel)
    {
        var answer = await Server.PollAsync($"/sub/~presence.{channel}?cursor=oldest&timeout=0");
        return [.. answer.GetProperty("messages").EnumerateArray().Select(m => (m.GetProperty("event").GetString()!,
            m.GetProperty("data").GetProperty("client").GetString()!,
            m.GetProperty("data").TryGetProperty("reason", out var r) ? r.GetString() : null))];
    }

    /// <summary>
    /// The companion's history once it holds <paramref name="count"/> events: a lease stops counting the moment it lapses
    /// or is removed, and its leave is published right after, by the same pass.
    /// </summary>
    private async Task<List<(string Event, string Client, string? Reason)>> SettledEventsAsync(string channel, int count)
    {
        await HarkTestServer.EventuallyAsync(async () => (await EventsAsync(channel)).Count >= count, $"{count} presence events on {channel}");
        return await EventsAsync(channel);
    }

    private Task UntilCountAsync(string channel, int count) =>
        HarkTestServer.EventuallyAsync(async () => await CountAsync(channel) == count, $"{count} present on {channel}");

    [Fact]
    public async Task LongPoll_JoinsOnItsPoll_StaysBetweenPolls_LeavesAfterTheGrace()
    {
        var room = NewRoom();

        using (await Server.Client.GetAsync($"/sub/{room}?client=tab1&timeout=0"))
        {
        }
        await UntilCountAsync(room, 1);
        var present = Assert.Single((await PresenceAsync(room)).GetProperty("clients").EnumerateArray());
        for (var i = 0; i < 4; i++)
        {
            // Re-polls inside the grace: never a second join, never a leave.
            await Task.Delay(300);
            using var again = await Server.Client.GetAsync($"/sub/{room}?client=tab1&timeout=0");
            Assert.Equal(1, await CountAsync(room));
        }
        await UntilCountAsync(room, 0);

        Assert.Equal("tab1", present.GetProperty("client").GetString());
        Assert.Equal("poll", present.GetProperty("transport").GetString());
        Assert.Equal(JsonValueKind.Null, present.GetProperty("user").ValueKind);
        Assert.Equal([("join", "tab1", null), ("leave", "tab1", "expired")], await SettledEventsAsync(room, 2));
    }

    [Fact]
    public async Task HeldLongPoll_PresentWhileHeld_LongerThanTheGrace()
    {
        var room = NewRoom();
        using var cts = new CancellationTokenSource();
        var poll = Server.Client.GetAsync($"/sub/{room}?client=held&timeout=5", cts.Token);
        await UntilCountAsync(room, 1);

        await Task.Delay(2500);

        Assert.Equal(1, await CountAsync(room));
        Assert.Equal("longpoll", (await PresenceAsync(room)).GetProperty("clients")[0].GetProperty("transport").GetString());
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => poll);
        await UntilCountAsync(room, 0);
    }

    [Theory]
    [InlineData("sse")]
    [InlineData("ndjson")]
    [InlineData("iframe")]
    public async Task Stream_PresentWhileOpen_LeavesWhenItCloses(string transport)
    {
        var room = NewRoom();
        var stream = await Server.Client.GetAsync($"/sub/{room}?client=s1&transport={transport}", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        await UntilCountAsync(room, 1);
        await Task.Delay(2500);
        Assert.Equal(transport, (await PresenceAsync(room)).GetProperty("clients")[0].GetProperty("transport").GetString());

        stream.Dispose();
        await UntilCountAsync(room, 0);

        Assert.Equal([("join", "s1", null), ("leave", "s1", "closed")], await SettledEventsAsync(room, 2));
        var metrics = await Server.ScrapeAsync();
        Assert.True(metrics.Sum("hark_presence_events_total", ("hark_event", "join")) >= 1);
        Assert.True(metrics.Sum("hark_presence_events_total", ("hark_event", "leave"), ("hark_reason", "closed")) >= 1);
        Assert.Equal(0, metrics.Sum("hark_presence_store_failures_total"));
        Assert.NotNull(metrics.Value("hark_presence_leases"));
    }

    [Fact]
    public async Task WebSocket_SubscriptionHoldsTheLease_UnsubscribeAndCloseLeave()
    {
        var (room, other) = (NewRoom(), NewRoom());
        await using (var socket = await SocketClient.ConnectAsync(Server))
        {
            await socket.SendAsync($$"""{"type":"subscribe","id":"a","channels":["{{room}}"],"client":"phone"}""");
            await socket.ReceiveAsync("subscribed");
            await socket.SendAsync($$"""{"type":"subscribe","id":"b","channels":["{{other}}"],"client":"phone"}""");
            await socket.ReceiveAsync("subscribed");
            await UntilCountAsync(room, 1);
            await UntilCountAsync(other, 1);
            Assert.Equal("ws", (await PresenceAsync(room)).GetProperty("clients")[0].GetProperty("transport").GetString());

            await socket.SendAsync($$"""{"type":"unsubscribe","channels":["{{room}}"]}""");
            await socket.ReceiveAsync("unsubscribed");
            await UntilCountAsync(room, 0);
            Assert.Equal(1, await CountAsync(other));
        }
        await UntilCountAsync(other, 0);

        Assert.Equal([("join", "phone", null), ("leave", "phone", "closed")], await SettledEventsAsync(room, 2));
        Assert.Equal([("join", "phone", null), ("leave", "phone", "closed")], await SettledEventsAsync(other, 2));
    }

    [Fact]
    public async Task OneClientOnTwoTransports_JoinsOnce_LeavesWhenTheLastEnds()
    {
        var room = NewRoom();
        var stream = await Server.Client.GetAsync($"/sub/{room}?client=both&transport=sse", HttpCompletionOption.ResponseHeadersRead);
        await UntilCountAsync(room, 1);
        using (await Server.Client.GetAsync($"/sub/{room}?client=both&timeout=0"))
        {
        }

        stream.Dispose();
        // The client goes on polling until the server has seen the stream end: the close must not end what the polls hold.
        await HarkTestServer.EventuallyAsync(async () =>
        {
            using (await Server.Client.GetAsync($"/sub/{room}?client=both&timeout=0"))
            {
            }
            return (await Server.ScrapeAsync()).Sum("hark_connections_held", ("hark_transport", "sse")) == 0;
        }, "the server has ended the stream");
        Assert.Equal(1, await CountAsync(room));
        await UntilCountAsync(room, 0);

        Assert.Equal([("join", "both", null), ("leave", "both", "expired")], await SettledEventsAsync(room, 2));
    }

    [Fact]
    public async Task NoClientId_NotTracked_AndUntrackedChannelsIgnoreIt()
    {
        var (room, plain) = (NewRoom(), HarkTestServer.NewChannel());
        using (await Server.Client.GetAsync($"/sub/{room},{plain}?timeout=0"))
        {
        }
        using (await Server.Client.GetAsync($"/sub/{plain}?client=x&timeout=0"))
        {
        }
        await Task.Delay(300);

        Assert.Equal(0, await CountAsync(room));
        using var untracked = await Server.Client.GetAsync($"/pub/{plain}/presence");
        await ProblemAssert.IsAsync(untracked, HttpStatusCode.NotFound, "presence-off");
    }

    [Fact]
    public async Task Companion_ResumesByCursor_FromThePresenceAnswer()
    {
        var room = NewRoom();
        using (await Server.Client.GetAsync($"/sub/{room}?client=first&timeout=0"))
        {
        }
        await UntilCountAsync(room, 1);
        var snapshot = await PresenceAsync(room);
        var cursor = snapshot.GetProperty("cursor").GetString()!;

        var next = Server.PollAsync($"/sub/~presence.{room}?cursor={cursor}&timeout=10");
        using (await Server.Client.GetAsync($"/sub/{room}?client=second&timeout=0"))
        {
        }
        var answer = await next.WaitAsync(HarkTestServer.Patience);

        var message = Assert.Single(answer.GetProperty("messages").EnumerateArray());
        Assert.Equal("join", message.GetProperty("event").GetString());
        Assert.Equal("second", message.GetProperty("data").GetProperty("client").GetString());
        Assert.Equal("first", Assert.Single(snapshot.GetProperty("clients").EnumerateArray()).GetProperty("client").GetString());
    }

    [Fact]
    public async Task Count_StaysExact_BeyondTheListedMost()
    {
        var room = NewRoom();
        var streams = new List<HttpResponseMessage>();
        for (var i = 0; i < 5; i++)
        {
            streams.Add(await Server.Client.GetAsync($"/sub/{room}?client=c{i}&transport=sse", HttpCompletionOption.ResponseHeadersRead));
        }
        await UntilCountAsync(room, 5);

        var all = await PresenceAsync(room);
        var two = await PresenceAsync(room, "?limit=2");
        using var tooMany = await Server.Client.GetAsync($"/pub/{room}/presence?limit=4");
        using var notANumber = await Server.Client.GetAsync($"/pub/{room}/presence?limit=x");
        streams.ForEach(s => s.Dispose());

        Assert.Equal(5, all.GetProperty("count").GetInt32());
        Assert.Equal(3, all.GetProperty("clients").GetArrayLength());
        Assert.Equal(5, two.GetProperty("count").GetInt32());
        Assert.Equal(2, two.GetProperty("clients").GetArrayLength());
        await ProblemAssert.IsAsync(tooMany, HttpStatusCode.BadRequest, "invalid-parameter");
        await ProblemAssert.IsAsync(notANumber, HttpStatusCode.BadRequest, "invalid-parameter");
    }

    [Fact]
    public async Task TokensSubject_IsThePresentUser_AndItsHolderMayAsk()
    {
        var room = "room.private." + HarkTestServer.NewChannel();
        var token = HarkSubscriberToken.Create(Key, ["room.private.*"], TimeSpan.FromMinutes(5), user: "alice");
        var stream = await Server.Client.GetAsync($"/sub/{room}?client=a1&transport=sse&token={token}", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        await UntilCountAsync(room, 1);

        using var outsider = await Server.CreateClient().SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/pub/{room}/presence")
        {
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token") },
        });
        using var asked = await Server.Client.GetAsync($"/pub/{room}/presence?token={token}");
        var companion = await Server.Client.GetAsync($"/sub/~presence.{room}?cursor=oldest&timeout=0&token={token}");
        using var companionWithout = await Server.Client.GetAsync($"/sub/~presence.{room}?cursor=oldest&timeout=0");
        stream.Dispose();

        Assert.Equal("alice", (await PresenceAsync(room)).GetProperty("clients")[0].GetProperty("user").GetString());
        Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
        Assert.Equal(HttpStatusCode.OK, companion.StatusCode);
        await ProblemAssert.IsAsync(companionWithout, HttpStatusCode.Unauthorized, "missing-token");
        Assert.True(outsider.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task BadInput_ClearProblems()
    {
        var room = NewRoom();
        using var badClient = await Server.Client.GetAsync($"/sub/{room}?client=has%20space&timeout=0");
        using var longClient = await Server.Client.GetAsync($"/sub/{room}?client={new string('a', 65)}&timeout=0");
        using var untrackedCompanion = await Server.Client.GetAsync($"/sub/~presence.other.x?timeout=0");
        using var publishToCompanion = await Server.Client.PostAsync($"/pub/~presence.{room}", new StringContent("\"x\""));
        using var badChannel = await Server.Client.GetAsync("/pub/no,comma/presence");
        await using var socket = await SocketClient.ConnectAsync(Server);
        await socket.SendAsync($$"""{"type":"subscribe","id":"s","channels":["{{room}}"],"client":"bad client"}""");
        var refused = await socket.ReceiveAsync("error");

        await ProblemAssert.IsAsync(badClient, HttpStatusCode.BadRequest, "invalid-parameter");
        await ProblemAssert.IsAsync(longClient, HttpStatusCode.BadRequest, "invalid-parameter");
        await ProblemAssert.IsAsync(untrackedCompanion, HttpStatusCode.NotFound, "presence-off");
        await ProblemAssert.IsAsync(publishToCompanion, HttpStatusCode.Forbidden, "reserved-channel");
        await ProblemAssert.IsAsync(badChannel, HttpStatusCode.BadRequest, "invalid-channel");
        Assert.Contains("invalid-parameter", refused.GetRawText());
    }
}
