using System.Net.WebSockets;
using System.Text.Json;
using Hark.AspNetCore.Tests.Infrastructure;

namespace Hark.AspNetCore.Tests;

/// <summary>What a socket may not do: frames that are not commands, too big, too many subscriptions, not reading.</summary>
public sealed class WebSocketLimitTests(ITestOutputHelper output) : ServerTest(output,
    "Hark:WebSocket:MaxFrameBytes=1024",
    "Hark:WebSocket:MaxSubscriptions=2",
    "Hark:WebSocket:SendTimeout=00:00:01",
    "Hark:WebSocket:SendQueueFrames=4",
    "Hark:History:MaxMessages=2000",
    "Hark:History:MaxBytes=268435456",
    "Hark:Limits:MaxHistoryBytes=536870912")
{
    private static string ProblemType(JsonElement error) => error.GetProperty("problem").GetProperty("type").GetString()!;

    [Theory]
    [InlineData("hello", 4400, "invalid-frame")]
    [InlineData("[1,2]", 4400, "invalid-frame")]
    [InlineData("""{"type":1}""", 4400, "invalid-frame")]
    [InlineData("""{"type":"ping","id":{"x":1}}""", 4400, "invalid-frame")]
    [InlineData(null, 4415, "invalid-frame")]
    [InlineData("", 4413, "frame-too-large")]
    public async Task BadFrame_GetsAnErrorFrame_ThenACloseWithItsProblem(string? text, int code, string type)
    {
        await using var socket = await SocketClient.ConnectAsync(Server);
        if (text is null)
        {
            await socket.SendAsync([1, 2, 3], WebSocketMessageType.Binary);
        }
        else
        {
            await socket.SendAsync(text.Length > 0 ? text : new string(' ', 2000) + "{}");
        }

        var (frames, status, reason) = await socket.ReadToCloseAsync();
        var error = JsonDocument.Parse(Assert.Single(frames)).RootElement;
        Assert.Equal("error", error.GetProperty("type").GetString());
        Assert.Equal("urn:hark:problem:" + type, ProblemType(error));
        Assert.Equal(code - 4000, error.GetProperty("problem").GetProperty("status").GetInt32());
        Assert.Equal((WebSocketCloseStatus)code, status);
        Assert.Equal("urn:hark:problem:" + type, reason);
    }

    [Fact]
    public async Task EmptyFrame_IsNotACommand_AndEndsTheSocket()
    {
        await using var socket = await SocketClient.ConnectAsync(Server);
        await socket.SendAsync("");

        var (frames, status, _) = await socket.ReadToCloseAsync();
        Assert.Equal("urn:hark:problem:invalid-frame", ProblemType(JsonDocument.Parse(Assert.Single(frames)).RootElement));
        Assert.Equal((WebSocketCloseStatus)4400, status);
    }

    [Fact]
    public async Task RefusedCommand_GetsAnErrorFrame_AndTheSocketStaysOpen()
    {
        var c = HarkTestServer.NewChannel();
        await using var socket = await SocketClient.ConnectAsync(Server);
        var commands = new (string Frame, string Type)[]
        {
            ("""{"type":"launch","id":1}""", "unknown-command"),
            ("""{"type":"subscribe","id":2,"channels":["bad name"]}""", "invalid-channel"),
            ("""{"type":"subscribe","id":3}""", "invalid-channel"),
            ($$"""{"type":"subscribe","id":4,"channels":["{{c}}"],"cursor":"nope"}""", "invalid-cursor"),
            ($$"""{"type":"subscribe","id":5,"channels":["{{c}}"],"max":0}""", "invalid-parameter"),
            ("""{"type":"unsubscribe","id":6,"channels":["never"]}""", "not-subscribed"),
            ("""{"type":"publish","id":7,"channel":"x"}""", "invalid-batch"),
        };
        foreach (var (frame, type) in commands)
        {
            await socket.SendAsync(frame);
            var error = await socket.ReceiveAsync("error");
            Assert.Equal("urn:hark:problem:" + type, ProblemType(error));
        }
        Assert.Empty(await socket.PingAsync());
    }

    [Fact]
    public async Task Subscriptions_AreBoundedPerSocket_AndAChannelIsInOneOfThem()
    {
        var (a, b, c) = (HarkTestServer.NewChannel(), HarkTestServer.NewChannel(), HarkTestServer.NewChannel());
        await using var socket = await SocketClient.ConnectAsync(Server, $"channels={a}");
        await socket.ReceiveAsync("subscribed");
        await socket.SendAsync($$"""{"type":"subscribe","channels":["{{b}}","{{a}}"]}""");
        Assert.Equal("urn:hark:problem:already-subscribed", ProblemType(await socket.ReceiveAsync("error")));
        await socket.SendAsync($$"""{"type":"subscribe","channels":["{{b}}"]}""");
        await socket.ReceiveAsync("subscribed");

        await socket.SendAsync($$"""{"type":"subscribe","id":"third","channels":["{{c}}"]}""");
        var refused = await socket.ReceiveAsync("error");
        Assert.Equal("third", refused.GetProperty("id").GetString());
        Assert.Equal("urn:hark:problem:subscription-limit", ProblemType(refused));

        await socket.SendAsync($$"""{"type":"unsubscribe","channels":["{{a}}"]}""");
        await socket.ReceiveAsync("unsubscribed");
        await socket.SendAsync($$"""{"type":"subscribe","channels":["{{c}}"]}""");
        await socket.ReceiveAsync("subscribed");
    }

    [Fact]
    public async Task SlowConsumer_IsClosedWith4408_AndResumesWithNothingLost()
    {
        var c = HarkTestServer.NewChannel();
        await using var socket = await SocketClient.ConnectAsync(Server, $"channels={c}", receiveBuffer: 4096);
        var cursor = (await socket.ReceiveAsync("subscribed")).GetProperty("cursor").GetString()!;
        var payload = JsonSerializer.Serialize(new string('x', 64 * 1024));
        var batch = "[" + string.Join(',', Enumerable.Repeat($$"""{"channel":"{{c}}","data":{{payload}}}""", 16)) + "]";
        var published = 0;
        static bool Dropped(PrometheusText metrics) => metrics.Value("hark_connections_dropped_total", ("hark_transport", "websocket")) == 1;
        // Bounded: 40 batches of 1 MiB at most; the server's buffers fill long before.
        for (var i = 0; i < 40 && !Dropped(await Server.ScrapeAsync()); i++)
        {
            using var response = await Server.Client.PostAsync("/pub", new StringContent(batch, System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
            published += 16;
            await Task.Delay(100);
        }
        Assert.True(Dropped(await Server.ScrapeAsync()), "the socket that does not read is closed");

        // It reads again within a send timeout: what was under way arrives, then the close, with nothing queued after it.
        var (frames, status, reason) = await socket.ReadToCloseAsync();
        Assert.Equal((WebSocketCloseStatus)4408, status);
        Assert.Equal("urn:hark:problem:slow-consumer", reason);
        var seqs = frames.Select(f => JsonDocument.Parse(f).RootElement).Select(m => (Seq: m.GetProperty("seq").GetInt64(), Cursor: m.GetProperty("cursor").GetString()!)).ToList();
        Assert.True(seqs.Count < published, $"{seqs.Count} of {published} were sent before the close");
        cursor = seqs.Count > 0 ? seqs[^1].Cursor : cursor;

        await using var resumed = await SocketClient.ConnectAsync(Server, $"channels={c}&cursor={cursor}");
        await resumed.ReceiveAsync("subscribed");
        while (seqs.Count < published)
        {
            var message = await resumed.ReceiveAsync();
            seqs.Add((message.GetProperty("seq").GetInt64(), message.GetProperty("cursor").GetString()!));
        }
        Assert.Equal(Enumerable.Range(1, published).Select(i => (long)i), seqs.Select(s => s.Seq));
    }
}
