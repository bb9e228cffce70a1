using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Hark.AspNetCore.Tests.Infrastructure;
using Hark.Client;
using Microsoft.AspNetCore.Builder;
using ClientMessage = Hark.Client.HarkMessage;

namespace Hark.AspNetCore.Tests.Client;

/// <summary>The .NET client's WebSocket transport on real Kestrel: the same resume, gap and close semantics as long-polling.</summary>
public sealed class HarkClientWebSocketTests(ITestOutputHelper output) : ServerTest(output)
{
    private static readonly TimeSpan Patience = HarkTestServer.Patience;

    private HarkClient NewClient(SubscribeTransport transport = SubscribeTransport.WebSocket) =>
        new(new HttpClient(new SocketsHttpHandler { UseProxy = false }), new HarkClientOptions
        {
            BaseAddress = Server.Address,
            Transport = transport,
            RetryDelay = TimeSpan.FromMilliseconds(50),
            MaxRetryDelay = TimeSpan.FromMilliseconds(400),
        });

    internal static async Task<List<HarkEvent>> TakeAsync(IAsyncEnumerable<HarkEvent> events, int messages)
    {
        var taken = new List<HarkEvent>();
        await foreach (var e in events)
        {
            taken.Add(e);
            if (taken.OfType<ClientMessage>().Count() >= messages || e is HarkChannelClosed)
            {
                break;
            }
        }
        return taken;
    }

    [Fact]
    public async Task DroppedSockets_ResumeFromTheCursor_NothingLostNothingRepeated()
    {
        var c = HarkTestServer.NewChannel();
        var publisher = NewClient(SubscribeTransport.LongPoll);
        var receiving = TakeAsync(NewClient().SubscribeAsync([c], await Server.NowAsync(c)), 30);
        await HarkTestServer.EventuallyAsync(async () => await Server.WaitingSubscribersAsync(c) == 1, "the socket is subscribed");
        var drops = 0;
        for (var i = 0; i < 30; i++)
        {
            if (i % 6 == 3)
            {
                // Cut every connection (the socket among them): the next messages are published while it is down.
                drops += Server.Connections.DropAll();
            }
            await publisher.PublishAsync(c, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (i % 6 == 5 && i < 29)
            {
                await HarkTestServer.EventuallyAsync(async () => receiving.IsFaulted ? throw receiving.Exception! : await Server.WaitingSubscribersAsync(c) == 1, "the socket is back");
            }
        }

        var received = (await receiving.WaitAsync(Patience)).OfType<ClientMessage>().Select(m => int.Parse(m.Text, System.Globalization.CultureInfo.InvariantCulture)).ToList();

        Assert.Equal(Enumerable.Range(0, 30), received);
        Assert.True(drops >= 5, $"{drops} connections were cut");
    }

    [Fact]
    public async Task SeveralChannels_OneSocket_ResumableFromTheToken()
    {
        var (a, b) = (HarkTestServer.NewChannel(), HarkTestServer.NewChannel());
        var client = NewClient();
        var receiving = TakeAsync(client.SubscribeAsync([a, b], await Server.NowAsync($"{a},{b}")), 3);
        await HarkTestServer.EventuallyAsync(async () => await Server.WaitingSubscribersAsync(a) == 1, "the socket is subscribed");
        await client.PublishAsync(a, "a1");
        await client.PublishAsync(b, "b1");
        await client.PublishAsync(a, "a2");
        var first = (await receiving.WaitAsync(Patience)).OfType<ClientMessage>().ToList();
        await client.PublishAsync(b, "b2");

        var resumed = (await TakeAsync(client.SubscribeAsync([a, b], first[^1].Cursor), 1).WaitAsync(Patience)).OfType<ClientMessage>();

        Assert.Equal(["a1", "b1", "a2"], first.Select(m => m.Text));
        Assert.Equal(["b2"], resumed.Select(m => m.Text));
    }

    [Fact]
    public async Task ChannelDeleted_YieldsClosed_AndEnds()
    {
        var client = NewClient();
        var c = HarkTestServer.NewChannel();
        await client.PublishAsync(c, "x");
        var events = TakeAsync(client.SubscribeAsync([c], await Server.NowAsync(c)), 10);
        await HarkTestServer.EventuallyAsync(async () => await Server.WaitingSubscribersAsync(c) == 1, "the socket is subscribed");

        Assert.True(await client.DeleteChannelAsync(c));

        var closed = Assert.IsType<HarkChannelClosed>(Assert.Single(await events.WaitAsync(Patience)));
        Assert.Equal(c, closed.Channel);
    }

    [Fact]
    public async Task BadCursor_ThrowsTheServersProblem()
    {
        var error = await Assert.ThrowsAsync<HarkException>(() => TakeAsync(NewClient().SubscribeAsync(["c1"], "garbage"), 1).WaitAsync(Patience));
        Assert.Equal(400, error.Status);
        Assert.Equal("urn:hark:problem:invalid-cursor", error.ProblemType);
    }

    [Fact]
    public async Task OldestCursor_ReplaysTheHistory_ThenWaitsForMore()
    {
        var client = NewClient();
        var c = HarkTestServer.NewChannel();
        await client.PublishAsync(c, "one");
        var receiving = TakeAsync(client.SubscribeAsync([c], "oldest"), 2);
        await HarkTestServer.EventuallyAsync(async () => await Server.WaitingSubscribersAsync(c) == 1, "the socket waits for more");
        await client.PublishAsync(c, "two");

        Assert.Equal(["one", "two"], (await receiving.WaitAsync(Patience)).OfType<ClientMessage>().Select(m => m.Text));
    }
}

/// <summary>Subscriber tokens ride in the subscribe frame; a refusal is typed as over HTTP.</summary>
public sealed class HarkClientWebSocketTokenTests(ITestOutputHelper output) : ServerTest(output,
    "Hark:Subscribe:RequireToken=true", $"Hark:Subscribe:TokenKeys:0={Key}")
{
    private const string Key = "client-ws-key-0123456789-0123456789";

    private HarkClient NewClient(string? token) => new(new HttpClient(new SocketsHttpHandler { UseProxy = false }), new HarkClientOptions
    {
        BaseAddress = Server.Address,
        Transport = SubscribeTransport.WebSocket,
        SubscriberToken = token,
    });

    [Fact]
    public async Task Token_AllowsItsChannels_AndRefusalsThrowTheAuthorizationException()
    {
        var c = "user." + HarkTestServer.NewChannel();
        var receiving = HarkClientWebSocketTests.TakeAsync(NewClient(HarkSubscriberToken.Create(Key, ["user.*"], TimeSpan.FromMinutes(5))).SubscribeAsync([c], "oldest"), 1);
        await HarkTestServer.EventuallyAsync(async () => await Server.WaitingSubscribersAsync(c) == 1, "the socket is subscribed");
        await Server.PublishAsync(c, "\"hi\"");
        Assert.Equal("hi", Assert.IsType<ClientMessage>(Assert.Single(await receiving.WaitAsync(HarkTestServer.Patience))).Text);

        var forbidden = await Assert.ThrowsAsync<HarkAuthorizationException>(() =>
            HarkClientWebSocketTests.TakeAsync(NewClient(HarkSubscriberToken.Create(Key, ["news.*"], TimeSpan.FromMinutes(5))).SubscribeAsync([c]), 1).WaitAsync(HarkTestServer.Patience));
        var missing = await Assert.ThrowsAsync<HarkAuthorizationException>(() =>
            HarkClientWebSocketTests.TakeAsync(NewClient(null).SubscribeAsync([c]), 1).WaitAsync(HarkTestServer.Patience));

        Assert.Equal((403, "urn:hark:problem:channel-forbidden"), (forbidden.Status, forbidden.ProblemType));
        Assert.Equal((401, "urn:hark:problem:missing-token"), (missing.Status, missing.ProblemType));
    }
}

/// <summary>A server that serves no sockets says so in HTTP: the subscription throws instead of retrying.</summary>
public sealed class HarkClientWebSocketDisabledTests(ITestOutputHelper output) : ServerTest(output, "Hark:WebSocket:Enabled=false")
{
    [Fact]
    public async Task Subscribe_WhenTheServerServesNoSockets_Throws404()
    {
        var client = new HarkClient(new HttpClient(new SocketsHttpHandler { UseProxy = false }), new HarkClientOptions { BaseAddress = Server.Address, Transport = SubscribeTransport.WebSocket });

        var error = await Assert.ThrowsAsync<HarkException>(() => HarkClientWebSocketTests.TakeAsync(client.SubscribeAsync(["c"]), 1).WaitAsync(HarkTestServer.Patience));

        Assert.Equal(404, error.Status);
    }
}

/// <summary>Hark's close codes and error frames, from a socket server that sends them on purpose.</summary>
public sealed class HarkClientSocketFaultTests
{
    private sealed record Connection(int Number, string? Cursor);

    private static async Task<(WebApplication App, Uri Address, List<Connection> Connections)> StartAsync(Func<int, WebSocket, JsonElement, Task> script)
    {
        var app = WebApplication.CreateSlimBuilder(["--urls=http://127.0.0.1:0"]).Build();
        app.UseWebSockets();
        var connections = new List<Connection>();
        app.Run(async context =>
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[4096];
            var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
            var frame = JsonDocument.Parse(buffer.AsMemory(0, received.Count)).RootElement;
            int n;
            lock (connections)
            {
                n = connections.Count;
                connections.Add(new Connection(n, frame.TryGetProperty("cursor", out var cursor) ? cursor.GetString() : null));
            }
            await script(n, socket, frame);
            // Wait for the client's close (or its going away) before the connection ends.
            try
            {
                while (!(await socket.ReceiveAsync(buffer, CancellationToken.None)).CloseStatus.HasValue)
                {
                }
            }
            catch (WebSocketException)
            {
            }
        });
        await app.StartAsync();
        return (app, new Uri(app.Urls.First()), connections);
    }

    private static Task SendAsync(WebSocket socket, string json) => socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);

    private static int SeqOf(JsonElement frame) => frame.TryGetProperty("cursor", out var c) ? int.Parse(c.GetString()!.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture) : 0;

    private static async Task SubscribedWithMessagesAsync(WebSocket socket, JsonElement frame, int count)
    {
        var from = SeqOf(frame);
        await SendAsync(socket, $$"""{"type":"subscribed","id":"hark","channels":["c"],"cursor":"e-1:{{from}}"}""");
        for (var seq = from + 1; seq <= from + count; seq++)
        {
            await SendAsync(socket, $$"""{"channel":"c","seq":{{seq}},"cursor":"e-1:{{seq}}","time":"2026-01-01T00:00:00.000Z","data":{{seq}}}""");
        }
    }

    private static HarkClient NewClient(Uri address) => new(new HttpClient(), new HarkClientOptions
    {
        BaseAddress = address,
        Transport = SubscribeTransport.WebSocket,
        RetryDelay = TimeSpan.FromMilliseconds(20),
        ServerErrorDelay = TimeSpan.FromMilliseconds(20),
    });

    [Fact]
    public async Task SlowConsumerAndStoppingCloses_ResumeFromTheCursor()
    {
        var (app, address, connections) = await StartAsync(async (n, socket, frame) =>
        {
            await SubscribedWithMessagesAsync(socket, frame, 2);
            if (n < 2)
            {
                await socket.CloseOutputAsync(n == 0 ? (WebSocketCloseStatus)4408 : WebSocketCloseStatus.EndpointUnavailable,
                    n == 0 ? "urn:hark:problem:slow-consumer" : "server stopping", CancellationToken.None);
            }
        });
        await using var _ = app;

        var events = await HarkClientWebSocketTests.TakeAsync(NewClient(address).SubscribeAsync(["c"], "e-1:0"), 6).WaitAsync(HarkTestServer.Patience);

        Assert.Equal([1L, 2, 3, 4, 5, 6], events.OfType<ClientMessage>().Select(m => m.Seq));
        Assert.Equal(["e-1:0", "e-1:2", "e-1:4"], connections.Select(c => c.Cursor));
    }

    [Fact]
    public async Task UnauthorizedClose_ThrowsWithoutReconnecting()
    {
        var (app, address, connections) = await StartAsync(async (n, socket, frame) =>
        {
            await SendAsync(socket, """{"type":"error","problem":{"type":"urn:hark:problem:invalid-token","title":"Invalid token","status":401,"detail":"expired"}}""");
            await socket.CloseOutputAsync((WebSocketCloseStatus)4401, "urn:hark:problem:invalid-token", CancellationToken.None);
        });
        await using var _ = app;

        var error = await Assert.ThrowsAsync<HarkAuthorizationException>(() => HarkClientWebSocketTests.TakeAsync(NewClient(address).SubscribeAsync(["c"]), 1).WaitAsync(HarkTestServer.Patience));

        Assert.Equal((401, "urn:hark:problem:invalid-token"), (error.Status, error.ProblemType));
        Assert.Contains("expired", error.Message, StringComparison.Ordinal);
        Assert.Single(connections);
    }

    [Fact]
    public async Task SubscriptionEndedWithRetryAfter_WaitsAsTold_ThenResubscribesFromTheCursor()
    {
        var times = new List<DateTime>();
        var (app, address, connections) = await StartAsync(async (n, socket, frame) =>
        {
            lock (times)
            {
                times.Add(DateTime.UtcNow);
            }
            await SubscribedWithMessagesAsync(socket, frame, 1);
            if (n == 0)
            {
                await SendAsync(socket, """{"type":"error","id":"hark","retryAfter":1,"problem":{"type":"urn:hark:problem:limit-reached","title":"Limit","status":503}}""");
            }
        });
        await using var _ = app;

        var events = await HarkClientWebSocketTests.TakeAsync(NewClient(address).SubscribeAsync(["c"], "e-1:0"), 2).WaitAsync(HarkTestServer.Patience);

        Assert.Equal([1L, 2], events.OfType<ClientMessage>().Select(m => m.Seq));
        Assert.Equal(["e-1:0", "e-1:1"], connections.Select(c => c.Cursor));
        Assert.True(times[1] - times[0] >= TimeSpan.FromMilliseconds(950), $"waited {(times[1] - times[0]).TotalMilliseconds} ms");
    }
}
