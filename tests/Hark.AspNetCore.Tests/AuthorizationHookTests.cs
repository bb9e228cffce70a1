using System.Net;
using System.Text.Json;
using Hark.AspNetCore.Tests.Infrastructure;
using Hark.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;

namespace Hark.AspNetCore.Tests;

/// <summary>
/// The application's authorization hook, played by a real Kestrel on loopback that counts its calls: asked once per
/// subscription, its grant carried back on re-polls and reconnects; refusals passed through; failures fail closed.
/// </summary>
public sealed partial class AuthorizationHookTests(ITestOutputHelper output) : IAsyncLifetime
{
    private ApplicationServer _application = null!;
    private volatile Func<HttpContext, Task> _answer = context => Task.CompletedTask;
    private readonly List<JsonElement> _asked = [];
    private int _calls;

    public async Task InitializeAsync() => _application = await ApplicationServer.StartAsync(output, app => app.MapPost("/hook", async (HttpContext context) =>
    {
        var body = await JsonDocument.ParseAsync(context.Request.Body);
        lock (_asked)
        {
            _asked.Add(body.RootElement.Clone());
        }
        Interlocked.Increment(ref _calls);
        await _answer(context);
    }));

    public async Task DisposeAsync() => await _application.DisposeAsync();

    private Task<HarkTestServer> StartAsync(params string[] more) => HarkTestServer.StartAsync(output,
    [
        "Demo:Enabled=false",
        $"Hark:Auth:Hook:Url={_application.Url("/hook")}",
        "Hark:Auth:Hook:Timeout=00:00:01",
        "Hark:Subscribe:PublicChannels:0=news.*",
        .. more,
    ]);

    private void Answer(int status, string? json = null, string contentType = "application/json") => _answer = async context =>
    {
        context.Response.StatusCode = status;
        if (json is not null)
        {
            context.Response.ContentType = contentType;
            await context.Response.WriteAsync(json);
        }
    };

    private static async Task<HttpResponseMessage> PollAsync(HarkTestServer server, string channels, string? grant = null, bool inQuery = false,
        string query = "timeout=0")
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/sub/{channels}?{query}" + (inQuery && grant is not null ? "&grant=" + Uri.EscapeDataString(grant) : ""));
        request.Headers.Add("Cookie", "session=s3cret");
        request.Headers.Add("X-Not-Forwarded", "nope");
        if (!inQuery && grant is not null)
        {
            request.Headers.Add("Hark-Grant", grant);
        }
        return await server.Client.SendAsync(request);
    }

    private static string GrantOf(HttpResponseMessage response) => Assert.Single(response.Headers.GetValues("Hark-Grant"));

    [Fact]
    public async Task Hook_AllowedOnce_HundredRepollsPresentTheGrant_WithoutAnotherCall()
    {
        Answer(200, """{"user":"u-42"}""");
        await using var server = await StartAsync();
        var channel = HarkTestServer.NewChannel();

        using var first = await PollAsync(server, channel);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var grant = GrantOf(first);
        for (var i = 0; i < 100; i++)
        {
            using var again = await PollAsync(server, channel, grant, inQuery: i % 2 == 1);
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            Assert.False(again.Headers.Contains("Hark-Grant"));
        }

        Assert.Equal(1, _calls);
        var asked = _asked.Single();
        Assert.Equal("subscribe", asked.GetProperty("action").GetString());
        Assert.Equal([channel], asked.GetProperty("channels").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("session=s3cret", asked.GetProperty("headers").GetProperty("Cookie").GetString());
        Assert.False(asked.GetProperty("headers").TryGetProperty("X-Not-Forwarded", out _));
        Assert.Equal("127.0.0.1", asked.GetProperty("address").GetString());
        Assert.Equal("longpoll", asked.GetProperty("transport").GetString());
        // Public channels are not put to the hook at all.
        using var open = await PollAsync(server, "news.today");
        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        Assert.Equal(1, _calls);
    }

    [Fact]
    public async Task Hook_Denies_401And403_StatusAndBodyPassedThrough()
    {
        await using var server = await StartAsync();

        Answer(403, """{"title":"Not yours","detail":"This mailbox belongs to someone else."}""", "application/problem+json");
        using var forbidden = await PollAsync(server, HarkTestServer.NewChannel());
        var problem = await ProblemAssert.IsAsync(forbidden, HttpStatusCode.Forbidden, "subscription-denied");
        Assert.Equal("This mailbox belongs to someone else.", problem.GetProperty("detail").GetString());
        Assert.Equal("Not yours", problem.GetProperty("title").GetString());

        Answer(401, "Log in first.", "text/plain");
        using var unauthorized = await PollAsync(server, HarkTestServer.NewChannel());
        problem = await ProblemAssert.IsAsync(unauthorized, HttpStatusCode.Unauthorized, "subscription-denied");
        Assert.Equal("Log in first.", problem.GetProperty("detail").GetString());
        Assert.False(unauthorized.Headers.Contains("Hark-Grant"));
    }

    [Fact]
    public async Task Hook_Failing_Is503WithRetryAfter_AndCounted()
    {
        Answer(500, """{"oops":true}""");
        await using var server = await StartAsync();

        using var failed = await PollAsync(server, HarkTestServer.NewChannel());
        await ProblemAssert.IsAsync(failed, HttpStatusCode.ServiceUnavailable, "auth-unavailable");
        Assert.NotNull(failed.Headers.RetryAfter);
        // A 2xx whose body is not a grant fails closed too.
        Answer(200, """["everything"]""");
        using var strange = await PollAsync(server, HarkTestServer.NewChannel());
        await ProblemAssert.IsAsync(strange, HttpStatusCode.ServiceUnavailable, "auth-unavailable");

        var metrics = await server.Client.GetStringAsync("/metrics");
        Assert.Contains("hark_auth_hook_calls_total{hark_outcome=\"failed\"} 2", metrics);
        Assert.Contains("hark_auth_hook_duration_seconds_count{hark_outcome=\"failed\"} 2", metrics);
    }

    [Fact]
    public async Task Hook_Slow_TimesOutAs503()
    {
        using var release = new CancellationTokenSource();
        _answer = async context => await Task.Delay(Timeout.Infinite, CancellationTokenSource.CreateLinkedTokenSource(release.Token, context.RequestAborted).Token)
            .ContinueWith(_ => { }, TaskScheduler.Default);
        await using var server = await StartAsync("Hark:Auth:Hook:Timeout=00:00:00.300");

        using var slow = await PollAsync(server, HarkTestServer.NewChannel());

        var problem = await ProblemAssert.IsAsync(slow, HttpStatusCode.ServiceUnavailable, "auth-unavailable");
        Assert.Contains("did not answer", problem.GetProperty("detail").GetString());
        Assert.Contains("hark_auth_hook_calls_total{hark_outcome=\"timeout\"} 1", await server.Client.GetStringAsync("/metrics"));
        await release.CancelAsync();
    }

    [Fact]
    public async Task Grant_Expired_AsksTheHookAgain()
    {
        // The hook's own expiry, as Unix seconds: the grant lasts about a second.
        _answer = context =>
        {
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync($$"""{"expires":{{DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1}}}""");
        };
        await using var server = await StartAsync();
        var channel = HarkTestServer.NewChannel();
        using var first = await PollAsync(server, channel);
        var grant = GrantOf(first);

        string? renewed = null;
        await HarkTestServer.EventuallyAsync(async () =>
        {
            using var again = await PollAsync(server, channel, grant);
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            renewed = again.Headers.TryGetValues("Hark-Grant", out var values) ? values.Single() : null;
            return renewed is not null;
        }, "the grant to expire and the hook to be asked again");

        Assert.Equal(2, _calls);
        Assert.NotEqual(grant, renewed);
    }

    [Fact]
    public async Task Grant_ForgedOrWidened_Refused()
    {
        await using var server = await StartAsync();
        var (mine, other) = (HarkTestServer.NewChannel(), HarkTestServer.NewChannel());
        using var first = await PollAsync(server, mine);
        var grant = GrantOf(first);
        var parts = grant.Split('.');

        // The payload widened to another channel, the mac left as it was.
        var payload = JsonDocument.Parse(Base64UrlEncoder.Decode(parts[1])).RootElement;
        var widened = $$"""{"c":["{{mine}}","{{other}}"],"e":{{payload.GetProperty("e").GetInt64()}}}""";
        using var wide = await PollAsync(server, $"{mine},{other}", $"v1.{Base64UrlEncoder.Encode(widened)}.{parts[2]}");
        await ProblemAssert.IsAsync(wide, HttpStatusCode.Unauthorized, "invalid-grant");
        // A mac made up.
        using var forged = await PollAsync(server, mine, $"v1.{parts[1]}.{Base64UrlEncoder.Encode(new byte[32])}");
        await ProblemAssert.IsAsync(forged, HttpStatusCode.Unauthorized, "invalid-grant");
        using var garbage = await PollAsync(server, mine, "not-a-grant", inQuery: true);
        await ProblemAssert.IsAsync(garbage, HttpStatusCode.Unauthorized, "invalid-grant");
        // A genuine grant for another channel.
        using var elsewhere = await PollAsync(server, other, grant);
        await ProblemAssert.IsAsync(elsewhere, HttpStatusCode.Forbidden, "channel-forbidden");

        Assert.Equal(1, _calls);
    }

    [Fact]
    public async Task Hook_NamesASubset_OnlyThoseChannelsAreRead()
    {
        var (allowed, refused) = (HarkTestServer.NewChannel(), HarkTestServer.NewChannel());
        Answer(200, $$"""{"channels":["{{allowed}}"]}""");
        await using var server = await StartAsync();
        await server.PublishAsync(allowed, "1");
        await server.PublishAsync(refused, "2");

        using var first = await PollAsync(server, $"{allowed},{refused}", query: "timeout=0&cursor=oldest");
        var body = JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal([allowed], body.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("channel").GetString()));

        // The re-poll names both channels again, with the grant and the cursor it was given: still only the allowed one.
        await server.PublishAsync(refused, "3");
        await server.PublishAsync(allowed, "4");
        using var again = await PollAsync(server, $"{allowed},{refused}", GrantOf(first),
            query: "timeout=0&cursor=" + Uri.EscapeDataString(body.GetProperty("cursor").GetString()!));
        var next = JsonDocument.Parse(await again.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(["4"], next.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("data").GetRawText()));
        Assert.Equal(1, _calls);

        // A hook that allows none of them refuses the subscription.
        Answer(200, """{"channels":[]}""");
        using var none = await PollAsync(server, HarkTestServer.NewChannel());
        await ProblemAssert.IsAsync(none, HttpStatusCode.Forbidden, "channel-forbidden");
    }

    [Fact]
    public async Task Sse_CarriesTheGrant_AndAReconnectPresentsIt()
    {
        await using var server = await StartAsync();
        var channel = HarkTestServer.NewChannel();
        string grant;
        using (var request = new HttpRequestMessage(HttpMethod.Get, $"/sub/{channel}"))
        {
            request.Headers.Accept.ParseAdd("text/event-stream");
            using var response = await server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var reader = new SseReader(await response.Content.ReadAsStreamAsync());
            // The grant comes right after the opening block (its id: and retry:), before any heartbeat.
            SseEvent? evt = null;
            for (var i = 0; i < 2 && evt?.Event != "grant"; i++)
            {
                evt = await reader.ReadEventAsync(HarkTestServer.Patience);
            }
            Assert.Equal("grant", evt?.Event);
            grant = JsonDocument.Parse(evt!.Data).RootElement.GetProperty("grant").GetString()!;
            Assert.Equal(GrantOf(response), grant);
        }
        using var reconnect = new HttpRequestMessage(HttpMethod.Get, $"/sub/{channel}?transport=ndjson&grant={Uri.EscapeDataString(grant)}");
        using var stream = await server.Client.SendAsync(reconnect, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        Assert.False(stream.Headers.Contains("Hark-Grant"));
        Assert.Equal(1, _calls);
    }

    [Fact]
    public async Task WebSocket_SubscribedFrameCarriesTheGrant_AnotherSocketPresentsIt()
    {
        await using var server = await StartAsync();
        var channel = HarkTestServer.NewChannel();
        string grant;
        await using (var socket = await SocketClient.ConnectAsync(server, $"channels={channel}", o => o.SetRequestHeader("Cookie", "session=ws")))
        {
            grant = (await socket.ReceiveAsync("subscribed")).GetProperty("grant").GetString()!;
        }
        Assert.Equal("session=ws", _asked.Single().GetProperty("headers").GetProperty("Cookie").GetString());
        Assert.Equal("websocket", _asked.Single().GetProperty("transport").GetString());

        await using var again = await SocketClient.ConnectAsync(server);
        await again.SendAsync($$"""{"type":"subscribe","id":1,"channels":"{{channel}}","grant":"{{grant}}"}""");
        var subscribed = await again.ReceiveAsync("subscribed");
        Assert.False(subscribed.TryGetProperty("grant", out _));
        await again.SendAsync($$"""{"type":"subscribe","id":2,"channels":"{{HarkTestServer.NewChannel()}}","grant":"v1.forged.grant"}""");
        var error = await again.ReceiveAsync("error");
        Assert.Contains("invalid-grant", error.ToString());
        Assert.Equal(1, _calls);
    }

    [Theory]
    [InlineData(SubscribeTransport.LongPoll)]
    [InlineData(SubscribeTransport.Stream)]
    [InlineData(SubscribeTransport.WebSocket)]
    public async Task DotNetClient_CarriesTheGrantBack_AcrossRepollsAndReconnects(SubscribeTransport transport)
    {
        await using var server = await StartAsync();
        var channel = HarkTestServer.NewChannel();
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        var client = new HarkClient(http, new HarkClientOptions
        {
            BaseAddress = server.Address,
            Transport = transport,
            PollTimeout = TimeSpan.FromSeconds(1),
            RetryDelay = TimeSpan.FromMilliseconds(10),
        });
        using var cancel = new CancellationTokenSource(HarkTestServer.Patience);
        await using var events = client.SubscribeAsync([channel], "oldest", cancel.Token).GetAsyncEnumerator(cancel.Token);

        for (var i = 1; i <= 3; i++)
        {
            await server.PublishAsync(channel, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(await events.MoveNextAsync());
            Assert.Equal(i, Assert.IsType<Hark.Client.HarkMessage>(events.Current).Seq);
            // The connection cut: the client comes back with its cursor and its grant.
            server.Connections.DropAll();
        }

        Assert.Equal(1, _calls);
    }

    [Fact]
    public async Task OnPublish_TheHookDecidesPublishesToo()
    {
        _answer = async context =>
        {
            var action = _asked[^1].GetProperty("action").GetString();
            var readOnly = _asked[^1].GetProperty("channels").EnumerateArray().Any(c => c.GetString()!.StartsWith("ro", StringComparison.Ordinal));
            context.Response.StatusCode = action == "publish" && readOnly ? 403 : 200;
            await context.Response.WriteAsync(context.Response.StatusCode == 403 ? "Read-only channel." : "");
        };
        await using var server = await StartAsync("Hark:Auth:Hook:OnPublish=true");

        using var refused = await server.Client.PostAsync("/pub/ro" + HarkTestServer.NewChannel(), new StringContent("x"));
        var problem = await ProblemAssert.IsAsync(refused, HttpStatusCode.Forbidden, "publish-denied");
        Assert.Equal("Read-only channel.", problem.GetProperty("detail").GetString());
        using var batch = await server.Client.PostAsync("/pub", new StringContent(
            $$"""[{"channel":"{{HarkTestServer.NewChannel()}}","data":1},{"channel":"ro{{HarkTestServer.NewChannel()}}","data":2}]""", System.Text.Encoding.UTF8, "application/json"));
        await ProblemAssert.IsAsync(batch, HttpStatusCode.Forbidden, "publish-denied");
        using var allowed = await server.Client.PostAsync("/pub/" + HarkTestServer.NewChannel(), new StringContent("x"));
        Assert.Equal(HttpStatusCode.Accepted, allowed.StatusCode);
        Assert.Equal("publish", _asked[^1].GetProperty("action").GetString());
    }

    [Fact]
    public async Task WebSocket_GrantExpires_TheHookIsAskedAgain_AllowedGoesOn_RefusedEnds()
    {
        // Each answer's grant lasts about a second; the third call refuses.
        _answer = async context =>
        {
            if (_calls >= 3)
            {
                context.Response.StatusCode = 403;
                await context.Response.WriteAsync("Logged out.");
                return;
            }
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync($$"""{"expires":{{DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1}}}""");
        };
        await using var server = await StartAsync();
        var channel = HarkTestServer.NewChannel();
        await using var socket = await SocketClient.ConnectAsync(server);
        await socket.SendAsync($$"""{"type":"subscribe","id":"s","channels":"{{channel}}"}""");
        var first = (await socket.ReceiveAsync("subscribed")).GetProperty("grant").GetString();

        var renewed = await socket.ReceiveAsync("grant");
        Assert.NotEqual(first, renewed.GetProperty("grant").GetString());
        Assert.Equal("s", renewed.GetProperty("id").GetString());
        await server.PublishAsync(channel, "1");
        Assert.Equal(1, (await socket.ReceiveAsync()).GetProperty("seq").GetInt64());

        var refused = await socket.ReceiveAsync("error");
        Assert.Contains("subscription-denied", refused.ToString());
        Assert.Contains("Logged out.", refused.ToString());
        Assert.Equal(3, _calls);
    }
}
