using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Hark.AspNetCore.Tests.Infrastructure;

namespace Hark.AspNetCore.Tests;

/// <summary>The WebSocket transport: the same subscriptions, cursors, gaps and message objects as /sub, over one socket.</summary>
public sealed class WebSocketTests(ITestOutputHelper output) : ServerTest(output)
{
    private static string Cursor(JsonElement frame) => frame.GetProperty("cursor").GetString()!;

    [Fact]
    public async Task QuerySubscription_AcknowledgesCursor_ThenSendsTheLongPollMessageObjects()
    {
        var c = HarkTestServer.NewChannel();
        var now = await Server.NowAsync(c);
        await using var socket = await SocketClient.ConnectAsync(Server, $"channels={c}");

        var subscribed = await socket.ReceiveAsync("subscribed");
        Assert.Equal(now, Cursor(subscribed));
        Assert.Equal(c, Assert.Single(subscribed.GetProperty("channels").EnumerateArray()).GetString());
        await Server.PublishAsync(c, """{"n":1}""", "note");
        await Server.PublishAsync(c, "\"two\"");
        var first = await socket.ReceiveTextAsync();
        var second = await socket.ReceiveTextAsync();

        // Byte for byte the objects a long-poll from the same cursor answers with.
        using var poll = await Server.Client.GetAsync($"/sub/{c}?cursor={now}&timeout=0");
        var messages = JsonDocument.Parse(await poll.Content.ReadAsStringAsync()).RootElement.GetProperty("messages");
        Assert.Equal(messages[0].GetRawText(), first);
        Assert.Equal(messages[1].GetRawText(), second);
    }

    [Fact]
    public async Task SubscribeAndUnsubscribe_MidStream_ChangeWhatArrives()
    {
        var (a, b) = (HarkTestServer.NewChannel(), HarkTestServer.NewChannel());
        await using var socket = await SocketClient.ConnectAsync(Server);
        await socket.SendAsync($$"""{"type":"subscribe","id":"sa","channels":["{{a}}"]}""");
        Assert.Equal("sa", (await socket.ReceiveAsync("subscribed")).GetProperty("id").GetString());
        await Server.PublishAsync(a, "1");
        var onA = await socket.ReceiveAsync();
        Assert.Equal(a, onA.GetProperty("channel").GetString());

        await socket.SendAsync($$"""{"type":"subscribe","id":7,"channels":"{{b}}","last":0}""");
        Assert.Equal(7, (await socket.ReceiveAsync("subscribed")).GetProperty("id").GetInt32());
        await Server.PublishAsync(b, "2");
        Assert.Equal(b, (await socket.ReceiveAsync()).GetProperty("channel").GetString());

        await socket.SendAsync($$"""{"type":"unsubscribe","id":"u","channels":["{{a}}"]}""");
        var unsubscribed = await socket.ReceiveAsync("unsubscribed");
        Assert.Equal("u", unsubscribed.GetProperty("id").GetString());
        Assert.Equal(Cursor(onA), Cursor(unsubscribed));
        await Server.PublishAsync(a, "3");
        await Server.PublishAsync(b, "4");
        var next = await socket.ReceiveAsync();
        Assert.Equal(b, next.GetProperty("channel").GetString());
        Assert.Equal(2, next.GetProperty("seq").GetInt64());
        Assert.Empty(await socket.PingAsync());
        Assert.Equal(0, await Server.WaitingSubscribersAsync(a));
    }

    [Fact]
    public async Task DroppedSocket_ResumesFromItsCursor_NothingLostOrRepeated()
    {
        var (a, b) = (HarkTestServer.NewChannel(), HarkTestServer.NewChannel());
        string cursor;
        var seen = new List<string>();
        await using (var socket = await SocketClient.ConnectAsync(Server, $"channels={a},{b}"))
        {
            cursor = Cursor(await socket.ReceiveAsync("subscribed"));
            await Server.PublishAsync(a, "\"a1\"");
            await Server.PublishAsync(b, "\"b1\"");
            for (var i = 0; i < 2; i++)
            {
                var message = await socket.ReceiveAsync();
                seen.Add(message.GetProperty("data").GetString()!);
                cursor = Cursor(message);
            }
            Assert.True(Server.Connections.DropAll() > 0);
        }
        await Server.PublishAsync(b, "\"b2\"");
        await Server.PublishAsync(a, "\"a2\"");

        await using var resumed = await SocketClient.ConnectAsync(Server, $"channels={a},{b}&cursor={cursor}");
        Assert.Equal(cursor, Cursor(await resumed.ReceiveAsync("subscribed")));
        await Server.PublishAsync(a, "\"a3\"");
        for (var i = 0; i < 3; i++)
        {
            seen.Add((await resumed.ReceiveAsync()).GetProperty("data").GetString()!);
        }
        Assert.Equal(["a1", "b1", "b2", "a2", "a3"], seen);
        Assert.Empty(await resumed.PingAsync());
    }

    [Fact]
    public async Task ForeignEpoch_IsAGap_ThenTheHistory()
    {
        var c = HarkTestServer.NewChannel();
        await Server.PublishAsync(c, "\"m1\"");
        await using var socket = await SocketClient.ConnectAsync(Server);
        await socket.SendAsync($$"""{"type":"subscribe","id":"g","channels":["{{c}}"],"cursor":"zzzzzz-1:5"}""");
        await socket.ReceiveAsync("subscribed");

        var gap = await socket.ReceiveAsync("gap");
        Assert.Equal("g", gap.GetProperty("id").GetString());
        Assert.Equal("reset", gap.GetProperty("gaps")[0].GetProperty("reason").GetString());
        var message = await socket.ReceiveAsync();
        Assert.Equal("m1", message.GetProperty("data").GetString());
        // The gap's cursor already accounts for the gap: resuming from it gives the same message, and no gap.
        var again = await Server.PollAsync($"/sub/{c}?cursor={Cursor(gap)}&timeout=0");
        Assert.False(again.GetProperty("gap").GetBoolean());
        Assert.Equal("m1", again.GetProperty("messages")[0].GetProperty("data").GetString());
    }

    [Fact]
    public async Task ChannelDeleted_SendsClosed_AndTheSocketStaysOpen()
    {
        var (c, other) = (HarkTestServer.NewChannel(), HarkTestServer.NewChannel());
        await using var socket = await SocketClient.ConnectAsync(Server, $"channels={c}");
        await socket.ReceiveAsync("subscribed");
        await Server.PublishAsync(c, "1");
        await socket.ReceiveAsync();

        using var deleted = await Server.Client.DeleteAsync($"/pub/{c}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(c, (await socket.ReceiveAsync("closed")).GetProperty("channel").GetString());

        await socket.SendAsync($$"""{"type":"subscribe","channels":["{{other}}"]}""");
        await socket.ReceiveAsync("subscribed");
        await Server.PublishAsync(other, "2");
        Assert.Equal(other, (await socket.ReceiveAsync()).GetProperty("channel").GetString());
        // The deleted channel's subscription is over: subscribing it again is allowed.
        await socket.SendAsync($$"""{"type":"subscribe","channels":["{{c}}"]}""");
        await socket.ReceiveAsync("subscribed");
    }

    [Fact]
    public async Task Publish_OverTheSocket_FollowsThePublishRules()
    {
        var c = HarkTestServer.NewChannel();
        await using var socket = await SocketClient.ConnectAsync(Server, $"channels={c}");
        await socket.ReceiveAsync("subscribed");

        await socket.SendAsync($$"""{"type":"publish","id":1,"channel":"{{c}}","event":"e","data":{"k":[1,2]},"version":3}""");
        var frames = new[] { await socket.ReceiveAsync(), await socket.ReceiveAsync() };
        var published = frames.Single(f => f.TryGetProperty("type", out _));
        var message = frames.Single(f => !f.TryGetProperty("type", out _));
        Assert.Equal("published", published.GetProperty("type").GetString());
        Assert.Equal(Cursor(message), Cursor(published));
        Assert.Equal("""{"k":[1,2]}""", message.GetProperty("data").GetRawText());

        await socket.SendAsync($$"""{"type":"publish","id":2,"channel":"{{c}}","data":1,"version":3}""");
        var stale = await socket.ReceiveAsync("error");
        Assert.Equal("urn:hark:problem:stale-version", stale.GetProperty("problem").GetProperty("type").GetString());
        await socket.SendAsync($$"""{"type":"publish","id":3,"channel":"{{c}}","event":"gap","data":1}""");
        Assert.Equal("urn:hark:problem:invalid-event", (await socket.ReceiveAsync("error")).GetProperty("problem").GetProperty("type").GetString());
    }

    [Fact]
    public async Task PlainGet_IsUpgradeRequired()
    {
        using var response = await Server.Client.GetAsync("/ws");
        await ProblemAssert.IsAsync(response, HttpStatusCode.UpgradeRequired, "upgrade-required");
    }

    [Fact]
    public async Task Metrics_CountHeldSocketsAndFramesByTransport()
    {
        var c = HarkTestServer.NewChannel();
        await using var socket = await SocketClient.ConnectAsync(Server, $"channels={c}");
        await socket.ReceiveAsync("subscribed");
        await Server.PublishAsync(c, "1");
        await socket.ReceiveAsync();

        var metrics = await Server.ScrapeAsync();
        Assert.Equal(1, metrics.Value("hark_connections_held", ("hark_transport", "websocket")));
        Assert.Equal(2, metrics.Value("hark_frames_sent_total", ("hark_transport", "websocket")));
        Assert.Equal(1, metrics.Value("hark_messages_delivered_total", ("hark_transport", "websocket")));
    }

    [Fact]
    public async Task Shutdown_RightAfterPublishes_SendsEveryMessagePublishedBeforeIt()
    {
        // A publish answered just before the stop may not have woken its subscription yet: the stop must still send it.
        var server = await HarkTestServer.StartAsync(Output);
        var channels = Enumerable.Range(0, 4).Select(_ => HarkTestServer.NewChannel()).ToArray();
        await using var socket = await SocketClient.ConnectAsync(server);
        for (var i = 0; i < channels.Length; i++)
        {
            await socket.SendAsync($$"""{"type":"subscribe","id":{{i}},"channels":["{{channels[i]}}"]}""");
            await socket.ReceiveAsync("subscribed");
        }
        foreach (var channel in channels)
        {
            await server.PublishAsync(channel, $"\"{channel}\"");
        }

        var stopping = server.App.StopAsync();

        var (frames, status, _) = await socket.ReadToCloseAsync();
        var received = frames.Select(f => JsonDocument.Parse(f).RootElement).Where(f => f.TryGetProperty("data", out _))
            .Select(f => f.GetProperty("data").GetString()).Order().ToArray();
        Assert.Equal(channels.Order().ToArray(), received);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, status);
        await socket.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        await stopping.WaitAsync(HarkTestServer.Patience);
        await server.App.DisposeAsync();
    }

    [Fact]
    public async Task Shutdown_SendsTheLastMessages_ThenClosesGoingAway()
    {
        var server = await HarkTestServer.StartAsync(Output);
        var c = HarkTestServer.NewChannel();
        await using var socket = await SocketClient.ConnectAsync(server, $"channels={c}");
        await socket.ReceiveAsync("subscribed");
        await server.PublishAsync(c, "\"last\"");

        var stopping = server.App.StopAsync();

        var (frames, status, _) = await socket.ReadToCloseAsync();
        Assert.Equal("last", JsonDocument.Parse(Assert.Single(frames)).RootElement.GetProperty("data").GetString());
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, status);
        // The client answers the close, as a browser does, and the server's shutdown completes without waiting it out.
        await socket.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        await stopping.WaitAsync(HarkTestServer.Patience);
        await server.App.DisposeAsync();
    }
}
