using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Hark.AspNetCore.Tests.Infrastructure;

namespace Hark.AspNetCore.Tests;

/// <summary>The dashboard's API and channel with an admin key: who is refused, what the actions do, what a snapshot says.</summary>
public sealed class AdminTests(ITestOutputHelper output) : ServerTest(output,
    $"Hark:Admin:Keys:0={Key}", "Hark:Admin:Interval=00:00:00.2")
{
    private const string Key = "admin-key-0123456789";

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, string? key)
    {
        var request = new HttpRequestMessage(method, url);
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return Server.Client.SendAsync(request);
    }

    [Theory]
    [InlineData("GET", "")]
    [InlineData("GET", "/history")]
    [InlineData("DELETE", "")]
    public async Task AdminApi_WithoutTheKey_Is401AndChangesNothing(string method, string path)
    {
        var c = HarkTestServer.NewChannel();
        await Server.PublishAsync(c, "1");
        using var missing = await SendAsync(new HttpMethod(method), $"/admin/channels/{c}{path}", null);
        using var wrong = await SendAsync(new HttpMethod(method), $"/admin/channels/{c}{path}", "not-the-key");
        using var publisherless = await SendAsync(new HttpMethod(method), $"/admin/channels/{c}{path}", "");
        await ProblemAssert.IsAsync(missing, HttpStatusCode.Unauthorized, "missing-key");
        await ProblemAssert.IsAsync(wrong, HttpStatusCode.Unauthorized, "invalid-key");
        Assert.Equal(HttpStatusCode.Unauthorized, publisherless.StatusCode);
        Assert.Equal(1, (await Server.PollAsync($"/sub/{c}?cursor=oldest&timeout=0")).GetProperty("messages").GetArrayLength());
    }

    [Fact]
    public async Task AdminApi_WithTheKey_LooksUpReadsHistoryAndDeletes()
    {
        var c = HarkTestServer.NewChannel();
        await Server.PublishAsync(c, "{\"n\":1}");
        await Server.PublishAsync(c, "{\"n\":2}");
        await Server.PublishAsync(c, "{\"n\":3}");

        using var info = await SendAsync(HttpMethod.Get, $"/admin/channels/{c}", Key);
        Assert.Equal(HttpStatusCode.OK, info.StatusCode);
        var body = await info.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(3, body.GetProperty("lastSeq").GetInt64());
        Assert.Equal(3, body.GetProperty("messages").GetInt32());

        using var history = await SendAsync(HttpMethod.Get, $"/admin/channels/{c}/history?last=1", Key);
        var messages = (await history.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("messages");
        Assert.Equal(3, Assert.Single(messages.EnumerateArray()).GetProperty("data").GetProperty("n").GetInt32());

        using var badLast = await SendAsync(HttpMethod.Get, $"/admin/channels/{c}/history?last=x", Key);
        await ProblemAssert.IsAsync(badLast, HttpStatusCode.BadRequest, "invalid-parameter");
        using var badName = await SendAsync(HttpMethod.Get, "/admin/channels/a*b", Key);
        await ProblemAssert.IsAsync(badName, HttpStatusCode.BadRequest, "invalid-channel");

        using var deleted = await SendAsync(HttpMethod.Delete, $"/admin/channels/{c}", Key);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await SendAsync(HttpMethod.Get, $"/admin/channels/{c}", Key);
        await ProblemAssert.IsAsync(gone, HttpStatusCode.NotFound, "channel-not-found");
    }

    [Fact]
    public async Task AdminChannel_IsReadOnlyWithTheKey_AndNobodyPublishesToIt()
    {
        using var anonymous = await SendAsync(HttpMethod.Get, $"/sub/{Stats}?timeout=0", null);
        using var withPublisherRights = await SendAsync(HttpMethod.Get, $"/sub/{Stats}?timeout=0&token=wrong", null);
        using var mixed = await SendAsync(HttpMethod.Get, $"/sub/{Stats},news?timeout=0", Key);
        using var byQuery = await SendAsync(HttpMethod.Get, $"/sub/{Stats}?timeout=0&token={Key}", null);
        using var byHeader = await SendAsync(HttpMethod.Get, $"/sub/{Stats}?timeout=0", Key);
        await ProblemAssert.IsAsync(anonymous, HttpStatusCode.Unauthorized, "missing-key");
        await ProblemAssert.IsAsync(withPublisherRights, HttpStatusCode.Unauthorized, "invalid-key");
        await ProblemAssert.IsAsync(mixed, HttpStatusCode.BadRequest, "admin-channels-alone");
        Assert.Equal(HttpStatusCode.OK, byQuery.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byHeader.StatusCode);

        // Loopback publishers may publish anywhere else, but not here.
        using var publish = await Server.Client.PostAsync($"/pub/{Stats}", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        await ProblemAssert.IsAsync(publish, HttpStatusCode.Forbidden, "reserved-channel");
        using var batch = await Server.Client.PostAsync("/pub", new StringContent($"[{{\"channel\":\"{Stats}\",\"data\":1}}]", System.Text.Encoding.UTF8, "application/json"));
        await ProblemAssert.IsAsync(batch, HttpStatusCode.Forbidden, "reserved-channel");
    }

    [Fact]
    public async Task AdminChannel_OverWebSocket_IsRefused()
    {
        await using var socket = await SocketClient.ConnectAsync(Server);
        await socket.SendAsync($$"""{"type":"subscribe","id":"a","channels":["{{Stats}}"],"token":"{{Key}}"}""");
        var error = await socket.ReceiveAsync("error");
        Assert.Equal(403, error.GetProperty("problem").GetProperty("status").GetInt32());
        Assert.EndsWith("admin-over-http", error.GetProperty("problem").GetProperty("type").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Snapshots_WhileWatched_CarryTheInstrumentsFigures()
    {
        var c = HarkTestServer.NewChannel();
        var cursor = await Server.NowAsync(c);
        var held = Server.PollAsync($"/sub/{c}?cursor={cursor}&timeout=30");
        await HarkTestServer.EventuallyAsync(async () => await Server.WaitingSubscribersAsync(c) == 1, "the poll is held");

        var snapshot = await NextSnapshotAsync(s => s.GetProperty("held").TryGetProperty("longpoll", out var n) && n.GetInt64() >= 1, "the held poll is counted");
        Assert.Equal("memory", snapshot.GetProperty("engine").GetProperty("name").GetString());
        Assert.Equal("Healthy", snapshot.GetProperty("engine").GetProperty("status").GetString());
        Assert.Contains(snapshot.GetProperty("engine").GetProperty("checks").EnumerateArray(), e => e.GetProperty("name").GetString() == "hark");

        // Five messages: one wakes the held poll; then a reader with a cursor from another history meets a reset gap.
        for (var i = 0; i < 5; i++)
        {
            await Server.PublishAsync(c, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        await held.WaitAsync(HarkTestServer.Patience);
        await Server.PollAsync($"/sub/{c}?cursor=zzzzzz-1:5&timeout=0");

        // The five may fall in two intervals: the channel's rates times the intervals add up to them.
        var counted = 0.0;
        var published = await NextSnapshotAsync(s =>
        {
            Assert.DoesNotContain(s.GetProperty("busiest").EnumerateArray(), b => b.GetProperty("channel").GetString()!.StartsWith('~'));
            foreach (var b in s.GetProperty("busiest").EnumerateArray().Where(b => b.GetProperty("channel").GetString() == c))
            {
                counted += b.GetProperty("rate").GetDouble() * s.GetProperty("interval").GetDouble();
            }
            return Math.Round(counted) >= 5;
        }, "the channel's five messages are counted among the busiest");
        Assert.Equal(5, Math.Round(counted));
        Assert.True(published.GetProperty("published").GetDouble() > 0);
        await NextSnapshotAsync(s => s.GetProperty("gaps").TryGetProperty("reset", out var n) && n.GetInt64() >= 1, "the gap is counted by its reason", seen: true);
        await NextSnapshotAsync(s => s.GetProperty("latency").GetProperty("count").GetInt64() >= 1 && s.GetProperty("latency").GetProperty("p99").GetDouble() >= 0,
            "a delivery's latency is counted", seen: true);

        // The same instrument as /metrics.
        var metrics = await Server.ScrapeAsync();
        Assert.Equal(1, metrics.Sum("hark_gaps_total", ("hark_gap_reason", "reset")));
    }

    private const string Stats = "~admin.stats";

    private readonly List<JsonElement> _seen = [];

    private string? _cursor;

    /// <summary>
    /// Reads the snapshot channel as the dashboard does (with the key) until a snapshot satisfies <paramref name="condition"/>;
    /// with <paramref name="seen"/>, the snapshots read before count too.
    /// </summary>
    private async Task<JsonElement> NextSnapshotAsync(Func<JsonElement, bool> condition, string what, bool seen = false)
    {
        if (seen && _seen.FirstOrDefault(condition) is { ValueKind: JsonValueKind.Object } earlier)
        {
            return earlier;
        }
        var deadline = DateTime.UtcNow + HarkTestServer.Patience;
        while (DateTime.UtcNow < deadline)
        {
            var query = _cursor is null ? "timeout=5" : $"timeout=5&cursor={_cursor}";
            using var response = await SendAsync(HttpMethod.Get, $"/sub/{Stats}?{query}", Key);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
            _cursor = answer.GetProperty("cursor").GetString();
            foreach (var message in answer.GetProperty("messages").EnumerateArray())
            {
                Output.WriteLine(message.GetProperty("data").ToString());
                _seen.Add(message.GetProperty("data"));
                if (condition(message.GetProperty("data")))
                {
                    return message.GetProperty("data");
                }
            }
        }
        Assert.Fail($"No snapshot showed that {what}.");
        return default;
    }
}

/// <summary>The dashboard with no admin key: loopback callers only, like publishing.</summary>
public sealed class AdminLoopbackTests(ITestOutputHelper output) : ServerTest(output)
{
    [Fact]
    public async Task NoKey_LoopbackMayUseTheDashboard_AProxiedCallerMayNot()
    {
        var c = HarkTestServer.NewChannel();
        await Server.PublishAsync(c, "1");
        using var page = await Server.Client.GetAsync("/admin");
        using var info = await Server.Client.GetAsync($"/admin/channels/{c}");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, info.StatusCode);
        using var stats = await Server.Client.GetAsync("/sub/~admin.stats?timeout=0");
        Assert.Equal(HttpStatusCode.OK, stats.StatusCode);

        foreach (var (method, url) in new[] { ("GET", "/admin"), ("GET", $"/admin/channels/{c}"), ("DELETE", $"/admin/channels/{c}"), ("GET", "/sub/~admin.stats?timeout=0") })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), url);
            request.Headers.Add("X-Forwarded-For", "203.0.113.9");
            using var proxied = await Server.Client.SendAsync(request);
            await ProblemAssert.IsAsync(proxied, HttpStatusCode.Forbidden, "admin-forbidden");
        }
        Assert.Equal(HttpStatusCode.OK, (await Server.Client.GetAsync($"/admin/channels/{c}")).StatusCode);
    }

    [Fact]
    public async Task Disabled_MapsNothing()
    {
        await using var server = await HarkTestServer.StartAsync(Output, "Hark:Admin:Enabled=false");
        using var page = await server.Client.GetAsync("/admin");
        using var api = await server.Client.GetAsync("/admin/channels/x");
        using var stats = await server.Client.GetAsync("/sub/~admin.stats?timeout=0");
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        await ProblemAssert.IsAsync(stats, HttpStatusCode.Forbidden, "admin-disabled");
    }
}
