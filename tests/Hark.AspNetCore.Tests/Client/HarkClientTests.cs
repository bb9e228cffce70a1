using System.Net;
using System.Text.Json;
using Hark.AspNetCore.Tests.Infrastructure;
using Hark.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ClientMessage = Hark.Client.HarkMessage;

namespace Hark.AspNetCore.Tests.Client;

public sealed class HarkClientTests(ITestOutputHelper output) : ServerTest(output)
{
    private static readonly TimeSpan Patience = HarkTestServer.Patience;

    private HarkClient NewClient(HttpMessageHandler? handler = null, SubscribeTransport transport = SubscribeTransport.LongPoll, Uri? address = null, int pollSeconds = 10) =>
        new(new HttpClient(handler ?? new SocketsHttpHandler { UseProxy = false }), new HarkClientOptions
        {
            BaseAddress = address ?? Server.Address,
            Transport = transport,
            PollTimeout = TimeSpan.FromSeconds(pollSeconds),
            RetryDelay = TimeSpan.FromMilliseconds(50),
            MaxRetryDelay = TimeSpan.FromMilliseconds(400),
            ServerErrorDelay = TimeSpan.FromMilliseconds(200),
        });

    private static async Task<List<HarkEvent>> TakeAsync(IAsyncEnumerable<HarkEvent> events, int messages)
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

    [Theory]
    [InlineData(SubscribeTransport.LongPoll)]
    [InlineData(SubscribeTransport.Stream)]
    [InlineData(SubscribeTransport.WebSocket)]
    public async Task PublishThenSubscribe_RoundTrip_InOrder(SubscribeTransport transport)
    {
        var client = NewClient(transport: transport);
        var c = HarkTestServer.NewChannel();
        var cursor = await Server.NowAsync(c);
        var receiving = TakeAsync(client.SubscribeAsync([c], cursor), 3);

        var first = await client.PublishAsync(c, "one", "note");
        await client.PublishJsonAsync(c, JsonDocument.Parse("{\"n\":2}").RootElement);
        var batch = await client.PublishBatchAsync([HarkBatchMessage.Text(c, "three")]);

        var received = (await receiving.WaitAsync(Patience)).OfType<ClientMessage>().ToList();
        Assert.Equal(["one", "{\"n\":2}", "three"], received.Select(m => m.Text));
        Assert.Equal([1L, 2, 3], received.Select(m => m.Seq));
        Assert.Equal("note", received[0].Event);
        Assert.Equal(first.Cursor, received[0].Cursor);
        Assert.Equal(3, batch[0].Seq);
    }

    [Fact]
    public async Task DroppedConnections_ResumeFromTheCursor_NothingLostNothingRepeated()
    {
        var flaky = new FlakyHandler(failEvery: 3);
        var subscriber = NewClient(flaky);
        var publisher = NewClient();
        var c = HarkTestServer.NewChannel();
        var cursor = await Server.NowAsync(c);
        var receiving = TakeAsync(subscriber.SubscribeAsync([c], cursor), 40);
        for (var i = 0; i < 40; i++)
        {
            var before = flaky.Attempts;
            await publisher.PublishAsync(c, i.ToString());
            // Wait for the subscriber's next request, so the messages arrive over many polls and some of them fail.
            // (After the last message the subscriber has all it wanted and stops.)
            if (i < 39)
            {
                await HarkTestServer.EventuallyAsync(() => flaky.Attempts > before, "the subscriber polls again");
            }
        }

        var received = (await receiving.WaitAsync(Patience)).OfType<ClientMessage>().Select(m => int.Parse(m.Text)).ToList();

        Assert.Equal(Enumerable.Range(0, 40), received);
        Assert.True(flaky.Attempts >= 39, $"the subscriber made {flaky.Attempts} requests, so the flaky handler dropped at least 13");
    }

    [Theory]
    [InlineData(SubscribeTransport.LongPoll)]
    [InlineData(SubscribeTransport.WebSocket)]
    public async Task ServerRestart_WithTheMemoryEngine_IsReportedAsAGap_ThenMessagesFlow(SubscribeTransport transport)
    {
        var c = HarkTestServer.NewChannel();
        var port = Server.Address.Port;
        var client = NewClient(transport: transport, address: Server.Address);
        var cursor = await Server.NowAsync(c);
        await client.PublishAsync(c, "before");
        await using var events = client.SubscribeAsync([c], cursor).GetAsyncEnumerator();
        Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(Patience));
        Assert.Equal("before", ((ClientMessage)events.Current).Text);

        await Server.App.StopAsync().WaitAsync(Patience);
        await using var restarted = await HarkTestServer.StartAsync(Output, $"urls=http://127.0.0.1:{port}");
        await NewClient(address: restarted.Address).PublishAsync(c, "after");

        Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(Patience));
        var gap = Assert.IsType<HarkGap>(events.Current);
        Assert.Equal("reset", Assert.Single(gap.Channels).Reason);
        Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(Patience));
        Assert.Equal("after", ((ClientMessage)events.Current).Text);
    }

    [Fact]
    public async Task MessagePublishedBetweenTwoEmptyPolls_IsNotLost()
    {
        var c = HarkTestServer.NewChannel();
        var publisher = NewClient();
        // Publishes just before the client's second poll goes out: after the first (empty) answer, before the next.
        var between = new BetweenPollsHandler(2, () => publisher.PublishAsync(c, "between"));
        var client = new HarkClient(new HttpClient(between), new HarkClientOptions { BaseAddress = Server.Address, PollTimeout = TimeSpan.FromSeconds(1) });

        var received = await TakeAsync(client.SubscribeAsync([c]), 1).WaitAsync(Patience);

        Assert.Equal("between", Assert.IsType<ClientMessage>(Assert.Single(received)).Text);
    }

    private sealed class BetweenPollsHandler(int beforeRequest, Func<Task> action) : DelegatingHandler(new SocketsHttpHandler { UseProxy = false })
    {
        private int _count;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _count) == beforeRequest)
            {
                await action();
            }
            return await base.SendAsync(request, cancellationToken);
        }
    }

    [Fact]
    public async Task Cancellation_EndsAHeldSubscriptionAtOnce()
    {
        var c = HarkTestServer.NewChannel();
        using var cts = new CancellationTokenSource();
        var subscription = TakeAsync(NewClient(pollSeconds: 60).SubscribeAsync([c], null, cts.Token), 1);
        await HarkTestServer.EventuallyAsync(async () => await Server.WaitingSubscribersAsync(c) == 1, "the poll is held");
        var started = DateTime.UtcNow;

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => subscription.WaitAsync(Patience));
        // The poll would have been held 60 s; a few seconds leaves room for a busy machine.
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(8));
    }

    [Fact]
    public async Task ChannelDeleted_YieldsClosed_AndEnds()
    {
        var client = NewClient();
        var c = HarkTestServer.NewChannel();
        await client.PublishAsync(c, "x");
        var events = TakeAsync(client.SubscribeAsync([c], await Server.NowAsync(c)), 10);
        await HarkTestServer.EventuallyAsync(async () => await Server.WaitingSubscribersAsync(c) == 1, "the poll is held");

        Assert.True(await client.DeleteChannelAsync(c));

        var closed = Assert.IsType<HarkChannelClosed>(Assert.Single(await events.WaitAsync(Patience)));
        Assert.Equal(c, closed.Channel);
        Assert.Null(await client.GetChannelAsync(HarkTestServer.NewChannel()));
    }

    [Fact]
    public async Task OneOfSeveralChannelsDeleted_ClosedNamesThatChannel()
    {
        var client = NewClient();
        var (a, b) = (HarkTestServer.NewChannel(), HarkTestServer.NewChannel());
        await client.PublishAsync(a, "x");
        await client.PublishAsync(b, "x");
        var events = TakeAsync(client.SubscribeAsync([a, b]), 10);
        await HarkTestServer.EventuallyAsync(async () => await Server.WaitingSubscribersAsync(b) == 1, "the poll is held");

        Assert.True(await client.DeleteChannelAsync(b));

        var closed = Assert.IsType<HarkChannelClosed>(Assert.Single(await events.WaitAsync(Patience)));
        Assert.Equal(b, closed.Channel);
    }

    [Fact]
    public async Task BadCursor_ThrowsTheServersProblem()
    {
        var error = await Assert.ThrowsAsync<HarkException>(() => TakeAsync(NewClient().SubscribeAsync(["c1"], "garbage"), 1));
        Assert.Equal(400, error.Status);
        Assert.Equal("urn:hark:problem:invalid-cursor", error.ProblemType);
    }

    [Fact]
    public async Task AddHarkClient_RegistersATypedClient()
    {
        var services = new ServiceCollection();
        services.AddHarkClient(o => o.BaseAddress = Server.Address);
        await using var provider = services.BuildServiceProvider();
        var result = await provider.GetRequiredService<HarkClient>().PublishAsync(HarkTestServer.NewChannel(), "hi");
        Assert.Equal(1, result.Seq);
    }
}

/// <summary>The retry policy, against a server that fails on purpose.</summary>
public sealed class HarkClientRetryTests
{
    private static async Task<(WebApplication App, Uri Address)> StartFailingServerAsync(Func<int, HttpContext, Task> answer)
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls=http://127.0.0.1:0"]);
        var app = builder.Build();
        var count = 0;
        app.Run(context => answer(Interlocked.Increment(ref count), context));
        await app.StartAsync();
        return (app, new Uri(app.Urls.First()));
    }

    private static Task OneMessageAsync(HttpContext context) => context.Response.WriteAsync(
        "{\"messages\":[{\"channel\":\"c\",\"seq\":1,\"cursor\":\"a-1:1\",\"time\":\"2026-01-01T00:00:00.000Z\",\"data\":\"ok\"}],\"cursor\":\"a-1:1\",\"gap\":false}");

    [Fact]
    public async Task ServerErrors_BackOffGrowing_ThenRecover()
    {
        var times = new List<DateTime>();
        var (app, address) = await StartFailingServerAsync(async (n, context) =>
        {
            lock (times)
            {
                times.Add(DateTime.UtcNow);
            }
            if (n <= 3)
            {
                context.Response.StatusCode = 503;
                return;
            }
            await OneMessageAsync(context);
        });
        await using var _ = app;
        var client = new HarkClient(new HttpClient(), new HarkClientOptions { BaseAddress = address, ServerErrorDelay = TimeSpan.FromMilliseconds(200), MaxServerErrorDelay = TimeSpan.FromSeconds(5) });

        await foreach (var e in client.SubscribeAsync(["c"]).WithCancellation(new CancellationTokenSource(HarkTestServer.Patience).Token))
        {
            Assert.Equal("ok", ((Hark.Client.HarkMessage)e).Text);
            break;
        }

        Assert.Equal(4, times.Count);
        var waits = times.Zip(times.Skip(1), (a, b) => b - a).ToList();
        // Each wait is the doubled base with jitter between half and all of it: 100–200, 200–400, 400–800 ms.
        Assert.True(waits[0] >= TimeSpan.FromMilliseconds(90), $"first wait {waits[0].TotalMilliseconds} ms");
        Assert.True(waits[2] >= TimeSpan.FromMilliseconds(380), $"third wait {waits[2].TotalMilliseconds} ms");
    }

    [Fact]
    public async Task RetryAfter_IsHonoured()
    {
        var times = new List<DateTime>();
        var (app, address) = await StartFailingServerAsync(async (n, context) =>
        {
            times.Add(DateTime.UtcNow);
            if (n == 1)
            {
                context.Response.StatusCode = 503;
                context.Response.Headers.RetryAfter = "1";
                return;
            }
            await OneMessageAsync(context);
        });
        await using var _ = app;
        var client = new HarkClient(new HttpClient(), new HarkClientOptions { BaseAddress = address, ServerErrorDelay = TimeSpan.FromMilliseconds(10) });

        await foreach (var e in client.SubscribeAsync(["c"]).WithCancellation(new CancellationTokenSource(HarkTestServer.Patience).Token))
        {
            break;
        }

        Assert.True(times[1] - times[0] >= TimeSpan.FromMilliseconds(950));
    }

    [Fact]
    public async Task Unauthorized_StopsWithATypedError_WithoutRetrying()
    {
        var calls = 0;
        var (app, address) = await StartFailingServerAsync((n, context) =>
        {
            Interlocked.Increment(ref calls);
            context.Response.StatusCode = 401;
            context.Response.ContentType = "application/problem+json";
            return context.Response.WriteAsync("{\"type\":\"urn:hark:problem:invalid-token\",\"title\":\"Invalid token\",\"status\":401,\"detail\":\"expired\"}");
        });
        await using var _ = app;
        var client = new HarkClient(new HttpClient(), new HarkClientOptions { BaseAddress = address });

        var error = await Assert.ThrowsAsync<HarkAuthorizationException>(async () =>
        {
            await foreach (var e in client.SubscribeAsync(["c"]))
            {
            }
        });

        Assert.Equal(401, error.Status);
        Assert.Equal("urn:hark:problem:invalid-token", error.ProblemType);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task NetworkErrors_AreRetriedWithGrowingWaits_NotInATightLoop()
    {
        // A port nothing listens on: every attempt fails at once.
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var flaky = new FlakyHandler(failEvery: 0);
        var client = new HarkClient(new HttpClient(flaky), new HarkClientOptions
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}/"),
            RetryDelay = TimeSpan.FromMilliseconds(100),
            MaxRetryDelay = TimeSpan.FromMilliseconds(400),
        });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var e in client.SubscribeAsync(["c"], null, cts.Token))
            {
            }
        });

        // 2 s of waits of 50–100, 100–200, 200–400, then 200–400 ms each: a handful of attempts, not thousands.
        Assert.InRange(flaky.Attempts, 2, 15);
    }
}
