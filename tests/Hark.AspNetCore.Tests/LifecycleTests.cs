using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hark.AspNetCore.Tests.Infrastructure;
using Hark.Hub;

namespace Hark.AspNetCore.Tests;

/// <summary>Shutdown, health, metrics, CORS and the demo page.</summary>
public sealed class LifecycleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Shutdown_AnswersEveryHeldPoll_AndClosesEveryStream_BeforeExit()
    {
        var server = await HarkTestServer.StartAsync(output);
        var c = HarkTestServer.NewChannel();
        using var client = server.CreateClient();
        var polls = Enumerable.Range(0, 50).Select(_ => client.GetAsync($"/sub/{c}?timeout=100")).ToList();
        var streams = new List<Stream>();
        foreach (var accept in new[] { "text/event-stream", "text/event-stream", "application/x-ndjson", "application/x-ndjson" })
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"/sub/{c}");
            request.Headers.Accept.ParseAdd(accept);
            var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            streams.Add(await response.Content.ReadAsStreamAsync());
        }
        var wheel = server.Service<DeadlineWheel>();
        await HarkTestServer.EventuallyAsync(() => wheel.Count == 54, "every request is held");
        var started = DateTime.UtcNow;

        await server.App.StopAsync().WaitAsync(HarkTestServer.Patience);

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15), "shutdown did not wait for the polls' timeout");
        foreach (var poll in polls)
        {
            using var response = await poll.WaitAsync(HarkTestServer.Patience);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var batch = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Empty(batch.GetProperty("messages").EnumerateArray());
        }
        foreach (var stream in streams)
        {
            // Read to a clean end of stream: no reset, no exception.
            using var reader = new StreamReader(stream);
            using var cts = new CancellationTokenSource(HarkTestServer.Patience);
            while (await reader.ReadLineAsync(cts.Token) is not null)
            {
            }
        }
        await server.App.DisposeAsync();
    }

    [Fact]
    public async Task Health_LiveAndReady_AreOk()
    {
        await using var server = await HarkTestServer.StartAsync(output);
        using var live = await server.Client.GetAsync("/healthz");
        using var ready = await server.Client.GetAsync("/healthz/ready");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task Metrics_ExposePublishDeliveryHoldAndGapFigures_InPrometheusText()
    {
        await using var server = await HarkTestServer.StartAsync(output, "Hark:History:MaxMessages=2");
        var c = HarkTestServer.NewChannel();
        var cursor = await server.NowAsync(c);
        var poll = server.PollAsync($"/sub/{c}?cursor={cursor}&timeout=30");
        await HarkTestServer.EventuallyAsync(async () => await server.WaitingSubscribersAsync(c) == 1, "the poll is held");
        await server.PublishAsync(c, "1");
        await poll.WaitAsync(HarkTestServer.Patience);
        for (var i = 0; i < 3; i++)
        {
            await server.PublishAsync(c, "\"x\"");
        }
        await server.PollAsync($"/sub/{c}?cursor={cursor}&timeout=0");

        var metrics = await server.ScrapeAsync();

        Assert.Equal("counter", metrics.TypeOf("hark_messages_published_total"));
        Assert.Equal(4, metrics.Value("hark_messages_published_total"));
        Assert.True(metrics.Value("hark_messages_delivered_total", ("hark_transport", "longpoll")) >= 2);
        Assert.Equal("histogram", metrics.TypeOf("hark_poll_duration_seconds"));
        Assert.Equal(1, metrics.Value("hark_poll_duration_seconds_bucket", ("hark_outcome", "messages"), ("le", "+Inf")));
        Assert.Equal(0, metrics.Value("hark_connections_held", ("hark_transport", "longpoll")));
        Assert.Equal(1, metrics.Value("hark_gaps_total", ("hark_gap_reason", "evicted"), ("hark_door", "hark"), ("hark_transport", "longpoll")));
        Assert.True(metrics.Value("hark_channels") >= 1);
        Assert.True(metrics.Value("hark_history_size_bytes") > 0);
        // Kestrel's, ASP.NET Core's and the runtime's meters come along.
        Assert.NotNull(metrics.TypeOf("kestrel_active_connections"));
        Assert.NotNull(metrics.TypeOf("http_server_request_duration_seconds"));
        Assert.NotNull(metrics.TypeOf("dotnet_gc_collections_total"));
    }

    [Fact]
    public async Task Cors_ConfiguredOrigin_IsAllowed_OthersAreNot()
    {
        await using var server = await HarkTestServer.StartAsync(output, "Hark:Cors:Origins:0=https://app.example.com");
        async Task<HttpResponseMessage> PreflightAsync(string origin)
        {
            var request = new HttpRequestMessage(HttpMethod.Options, "/sub/x");
            request.Headers.Add("Origin", origin);
            request.Headers.Add("Access-Control-Request-Method", "GET");
            request.Headers.Add("Access-Control-Request-Headers", "last-event-id");
            return await server.Client.SendAsync(request);
        }
        using var allowed = await PreflightAsync("https://app.example.com");
        using var refused = await PreflightAsync("https://evil.example.net");

        Assert.Equal("https://app.example.com", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Cors_NotConfigured_SendsNoCorsHeaders()
    {
        await using var server = await HarkTestServer.StartAsync(output);
        var request = new HttpRequestMessage(HttpMethod.Get, "/sub/x?timeout=0");
        request.Headers.Add("Origin", "https://app.example.com");
        using var response = await server.Client.SendAsync(request);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task DemoPage_InDevelopment_IsServedAtTheRoot()
    {
        await using var server = await HarkTestServer.StartAsync(output, HarkTestServer.Development);
        using var response = await server.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Hark", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("Demos:Enabled=false")]
    [InlineData("environment=Production")]
    public async Task Demos_Off_LeaveNoEndpointFileOrSetting(string setting)
    {
        await using var server = await HarkTestServer.StartAsync(output, HarkTestServer.Development, setting);
        foreach (var path in new[] { "/", "/index.html", "/login.html", "/app.js", "/style.css" })
        {
            using var page = await server.Client.GetAsync(path);
            Assert.True(page.StatusCode == HttpStatusCode.NotFound, $"{path}: {page.StatusCode}");
        }
        using var api = await server.Client.PostAsync("/api/jobs", new StringContent("{\"devices\":1}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        Assert.Null(Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetService<Hark.Server.Demos.DemoKeys>(server.App.Services));
        // The product's settings are the configuration's: the demos add no channel rule and no key.
        var hark = server.Service<Microsoft.Extensions.Options.IOptions<Hark.AspNetCore.HarkOptions>>().Value;
        var configured = setting.StartsWith("environment", StringComparison.Ordinal) ? 0 : 1;
        Assert.Equal(configured, hark.History.LatestValueChannels.Count);
        Assert.Equal(configured, hark.Subscribe.ProtectedChannels.Count);
        // Hark itself is all there.
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/hark.js")).StatusCode);
    }

    [Fact]
    public async Task Demos_On_WithoutTheHarkSettingsTheyNeed_StopTheStartWithAClearMessage()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => HarkTestServer.StartAsync(output, "Demos:Enabled=true"));
        Assert.Contains("Hark:Subscribe:TokenKeys", error.Message);
        Assert.Contains("demo.job.*", error.Message);
        Assert.Contains("user.*.devices", error.Message);
    }

    [Fact]
    public async Task BadSettings_StopTheServerAtStart_WithAClearMessage()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => HarkTestServer.StartAsync(output, "Hark:Poll:DefaultTimeout=00:10:00"));
        Assert.Contains("DefaultTimeout", error.Message);
    }

    [Theory]
    [InlineData("ForwardedHeaders:Headers=XForwardedFour", "ForwardedHeaders:Headers")]
    [InlineData("ForwardedHeaders:KnownProxies:0=nginx.internal", "ForwardedHeaders:KnownProxies:0")]
    [InlineData("ForwardedHeaders:KnownNetworks:0=10.0.0.0/33", "ForwardedHeaders:KnownNetworks:0")]
    [InlineData("ForwardedHeaders:ForwardLimit=0", "ForwardedHeaders:ForwardLimit")]
    public async Task BadForwardedHeadersSettings_StopTheServerAtStart_NamingTheKey(string setting, string key)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => HarkTestServer.StartAsync(output, setting));
        Assert.Contains(key, error.Message);
    }
}
