using System.Net;
using System.Text;
using Hark.AspNetCore.Tests.Infrastructure;

namespace Hark.AspNetCore.Tests;

/// <summary>Every abuse limit answers 429 or 503 with Retry-After and a problem body, and the server stays healthy.</summary>
public sealed class LimitTests(ITestOutputHelper output)
{
    private static async Task AssertLimitedAsync(HttpResponseMessage response, HttpStatusCode status, string type, HarkTestServer server)
    {
        Assert.NotNull(response.Headers.RetryAfter);
        await ProblemAssert.IsAsync(response, status, type);
        using var health = await server.Client.GetAsync("/healthz/ready");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task HeldRequestsPerAddress_BeyondTheLimit_Are429_AndFreeAgainWhenOneEnds()
    {
        await using var server = await HarkTestServer.StartAsync(output, "Hark:Limits:MaxHeldPerAddress=3");
        var c = HarkTestServer.NewChannel();
        var cursor = await server.NowAsync(c);
        using var cts = new CancellationTokenSource();
        var held = Enumerable.Range(0, 3).Select(_ => server.Client.GetAsync($"/sub/{c}?cursor={cursor}&timeout=60", cts.Token)).ToList();
        await HarkTestServer.EventuallyAsync(async () => await server.WaitingSubscribersAsync(c) == 3, "three polls are held");

        using var refused = await server.Client.GetAsync($"/sub/{c}?cursor={cursor}&timeout=0");
        await AssertLimitedAsync(refused, HttpStatusCode.TooManyRequests, "too-many-connections", server);

        await server.PublishAsync(c, "1");
        await Task.WhenAll(held).WaitAsync(HarkTestServer.Patience);
        using var again = await server.Client.GetAsync($"/sub/{c}?cursor={cursor}&timeout=0");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task NewSubscriptionsPerAddress_BeyondTheRate_Are429_ButResumingWithACursorIsNot()
    {
        await using var server = await HarkTestServer.StartAsync(output, "Hark:Limits:NewSubscriptionsPerSecond=1", "Hark:Limits:NewSubscriptionsBurst=2");
        var c = HarkTestServer.NewChannel();
        var cursor = await server.NowAsync(c);
        using var second = await server.Client.GetAsync($"/sub/{c}?timeout=0");
        using var third = await server.Client.GetAsync($"/sub/{c}?timeout=0");
        using var resumed = await server.Client.GetAsync($"/sub/{c}?cursor={cursor}&timeout=0");

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        await AssertLimitedAsync(third, HttpStatusCode.TooManyRequests, "too-many-subscriptions", server);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
    }

    [Fact]
    public async Task PublishesPerKey_BeyondTheRate_Are429()
    {
        await using var server = await HarkTestServer.StartAsync(output, "Hark:Limits:PublishesPerSecond=1", "Hark:Limits:PublishBurst=2");
        var c = HarkTestServer.NewChannel();
        await server.PublishAsync(c, "1");
        await server.PublishAsync(c, "2");
        using var third = await server.Client.PostAsync($"/pub/{c}", new StringContent("3", Encoding.UTF8, "application/json"));
        await AssertLimitedAsync(third, HttpStatusCode.TooManyRequests, "too-many-publishes", server);
    }

    [Fact]
    public async Task SubscribersPerChannel_BeyondTheLimit_Are503()
    {
        await using var server = await HarkTestServer.StartAsync(output, "Hark:Limits:MaxSubscribersPerChannel=2");
        var c = HarkTestServer.NewChannel();
        var cursor = await server.NowAsync(c);
        var held = Enumerable.Range(0, 2).Select(_ => server.Client.GetAsync($"/sub/{c}?cursor={cursor}&timeout=60")).ToList();
        await HarkTestServer.EventuallyAsync(async () => await server.WaitingSubscribersAsync(c) == 2, "two polls are held");

        using var refused = await server.Client.GetAsync($"/sub/{c}?cursor={cursor}&timeout=30");
        await AssertLimitedAsync(refused, HttpStatusCode.ServiceUnavailable, "limit-reached", server);

        await server.PublishAsync(c, "1");
        await Task.WhenAll(held).WaitAsync(HarkTestServer.Patience);
    }

    [Fact]
    public async Task ChannelsPerServer_BeyondTheLimit_Are503()
    {
        await using var server = await HarkTestServer.StartAsync(output, "Hark:Limits:MaxChannels=3");
        for (var i = 0; i < 3; i++)
        {
            await server.PublishAsync(HarkTestServer.NewChannel(), "1");
        }
        using var refused = await server.Client.PostAsync($"/pub/{HarkTestServer.NewChannel()}", new StringContent("1", Encoding.UTF8, "application/json"));
        await AssertLimitedAsync(refused, HttpStatusCode.ServiceUnavailable, "limit-reached", server);
    }

    [Fact]
    public async Task HistoryBytesPerServer_StayUnderTheLimit_PublishesBeyondAre503()
    {
        await using var server = await HarkTestServer.StartAsync(output,
            "Hark:Limits:MaxMessageBytes=512", "Hark:History:MaxBytes=4096", "Hark:Limits:MaxHistoryBytes=4096");
        HttpStatusCode status = HttpStatusCode.Accepted;
        HttpResponseMessage? last = null;
        for (var i = 0; i < 100 && status == HttpStatusCode.Accepted; i++)
        {
            last?.Dispose();
            last = await server.Client.PostAsync($"/pub/{HarkTestServer.NewChannel()}", new StringContent(new string('x', 300), Encoding.UTF8, "text/plain"));
            status = last.StatusCode;
        }
        await AssertLimitedAsync(last!, HttpStatusCode.ServiceUnavailable, "limit-reached", server);
        last!.Dispose();
        Assert.True(server.Service<IHarkEngine>().HistoryBytes <= 4096, $"history holds {server.Service<IHarkEngine>().HistoryBytes} bytes");
    }
}
