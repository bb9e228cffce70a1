using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Hark.AspNetCore.Tests.Infrastructure;

namespace Hark.AspNetCore.Tests;

/// <summary>Every bad request gets a clear 4xx with an RFC 9457 problem body, and the server stays healthy.</summary>
public sealed class BadInputTests(ITestOutputHelper output) : ServerTest(output, "Hark:Limits:MaxMessageBytes=1024", "Hark:Limits:MaxBatchBytes=4096")
{
    private async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        await ProblemAssert.IsAsync(response, status, type);
        using var health = await Server.Client.GetAsync("/healthz/ready");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    public static TheoryData<string> BadChannelLists => new()
    {
        "a,,b",
        new string('x', 129),
        "bad!name",
        "white%20space",
        "star.*",
        "caf%C3%A9",
    };

    [Theory]
    [MemberData(nameof(BadChannelLists))]
    public async Task Subscribe_InvalidChannelName_Is400(string channels)
    {
        using var response = await Server.Client.GetAsync($"/sub/{channels}?timeout=0");
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid-channel");
    }

    [Fact]
    public async Task Publish_InvalidChannelName_Is400()
    {
        using var response = await Server.Client.PostAsync("/pub/bad!name", new StringContent("1", Encoding.UTF8, "application/json"));
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid-channel");
    }

    [Fact]
    public async Task Subscribe_TooManyChannels_Is400()
    {
        var channels = string.Join(',', Enumerable.Range(0, 17).Select(i => $"c{i}"));
        using var response = await Server.Client.GetAsync($"/sub/{channels}?timeout=0");
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "too-many-channels");
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("abc-1:x")]
    [InlineData("%00%01")]
    [InlineData("YWJj")]
    public async Task Subscribe_MalformedCursor_Is400(string cursor)
    {
        using var response = await Server.Client.GetAsync($"/sub/{HarkTestServer.NewChannel()}?cursor={cursor}&timeout=0");
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid-cursor");
    }

    [Fact]
    public async Task Subscribe_CursorOfAnotherChannelSet_Is400()
    {
        var token = await Server.NowAsync("a1,b1");
        using var response = await Server.Client.GetAsync($"/sub/a1,c1?cursor={token}&timeout=0");
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid-cursor");
    }

    [Fact]
    public async Task Subscribe_SingleChannelCursorForSeveralChannels_Is400()
    {
        var cursor = await Server.NowAsync("a2");
        using var response = await Server.Client.GetAsync($"/sub/a2,b2?cursor={cursor}&timeout=0");
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid-cursor");
    }

    [Fact]
    public async Task Subscribe_HugeCursor_Is400()
    {
        using var response = await Server.Client.GetAsync($"/sub/a3?cursor={new string('A', 5000)}&timeout=0");
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid-cursor");
    }

    [Theory]
    [InlineData("timeout=-1")]
    [InlineData("timeout=abc")]
    [InlineData("timeout=121")]
    [InlineData("timeout=NaN")]
    [InlineData("max=0")]
    [InlineData("max=1001")]
    [InlineData("max=-3")]
    [InlineData("last=x")]
    public async Task Subscribe_ParameterOutOfRange_Is400(string query)
    {
        using var response = await Server.Client.GetAsync($"/sub/{HarkTestServer.NewChannel()}?{query}");
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid-parameter");
    }

    [Fact]
    public async Task Subscribe_UnknownTransport_Is400()
    {
        using var response = await Server.Client.GetAsync($"/sub/{HarkTestServer.NewChannel()}?transport=pigeon");
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "unknown-transport");
    }

    [Fact]
    public async Task Publish_BodyOverLimit_Is413_WithContentLength()
    {
        using var response = await Server.Client.PostAsync($"/pub/{HarkTestServer.NewChannel()}", new StringContent(new string('x', 2000), Encoding.UTF8, "text/plain"));
        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "body-too-large");
    }

    [Fact]
    public async Task Publish_BodyOverLimit_Is413_WhenChunked()
    {
        var content = new StreamContent(new MemoryStream(new byte[5000]));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        var request = new HttpRequestMessage(HttpMethod.Post, $"/pub/{HarkTestServer.NewChannel()}") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await Server.Client.SendAsync(request);
        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "body-too-large");
    }

    [Fact]
    public async Task PublishBatch_BodyOverLimit_Is413()
    {
        using var response = await Server.Client.PostAsync("/pub", new StringContent("[" + new string(' ', 5000) + "]", Encoding.UTF8, "application/json"));
        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "body-too-large");
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("{\"a\":1} trailing")]
    [InlineData("")]
    public async Task Publish_NonJsonDeclaredAsJson_Is400(string body)
    {
        using var response = await Server.Client.PostAsync($"/pub/{HarkTestServer.NewChannel()}", new StringContent(body, Encoding.UTF8, "application/json"));
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid-json");
    }

    [Fact]
    public async Task Publish_DeeplyNestedJson_Is400()
    {
        var deep = new string('[', 100) + new string(']', 100);
        using var response = await Server.Client.PostAsync($"/pub/{HarkTestServer.NewChannel()}", new StringContent(deep, Encoding.UTF8, "application/json"));
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid-json");
    }

    [Fact]
    public async Task Publish_InvalidUtf8Text_Is400()
    {
        var content = new ByteArrayContent([0x61, 0xC3, 0x28]);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        using var response = await Server.Client.PostAsync($"/pub/{HarkTestServer.NewChannel()}", content);
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid-text");
    }

    [Theory]
    [InlineData("image/png")]
    [InlineData("application/octet-stream")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData("text/plain; charset=latin1")]
    public async Task Publish_UnsupportedContentType_Is415(string contentType)
    {
        var content = new ByteArrayContent("abc"u8.ToArray());
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using var response = await Server.Client.PostAsync($"/pub/{HarkTestServer.NewChannel()}", content);
        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
    }

    [Fact]
    public async Task PublishBatch_NotJson_Is415()
    {
        using var response = await Server.Client.PostAsync("/pub", new StringContent("x", Encoding.UTF8, "text/plain"));
        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
    }

    [Theory]
    [InlineData("[]", "invalid-batch")]
    [InlineData("{\"channel\":\"a\"}", "invalid-json")]
    [InlineData("[{\"channel\":\"a\"}]", "invalid-batch")]
    [InlineData("[{\"channel\":\"a\",\"event\":\"bad event\",\"data\":1}]", "invalid-event")]
    [InlineData("[{\"channel\":\"a\",\"event\":\"gap\",\"data\":1}]", "invalid-event")]
    [InlineData("[null]", "invalid-json")]
    [InlineData("[{\"channel\":\"a\",\"data\":\"\\ud800\"}]", "invalid-json")]
    [InlineData("[{\"channel\":\"a\",\"data\":{\"k\":\"\\udc00x\"}}]", "invalid-json")]
    public async Task PublishBatch_Malformed_Is400(string body, string type)
    {
        using var response = await Server.Client.PostAsync("/pub", new StringContent(body, Encoding.UTF8, "application/json"));
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, type);
    }

    [Theory]
    [InlineData("bad%0Aname")]
    [InlineData("closed")]
    [InlineData("error")]
    public async Task Publish_InvalidOrReservedEventName_Is400(string name)
    {
        using var response = await Server.Client.PostAsync($"/pub/{HarkTestServer.NewChannel()}?event={name}", new StringContent("1", Encoding.UTF8, "application/json"));
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid-event");
    }

    [Fact]
    public async Task Publish_MissingOrWrongKey_Is401_AndForwardedCallerWithoutKeys_Is403()
    {
        await using var keyed = await HarkTestServer.StartAsync(Output, "Hark:Publish:Keys:0=s3cret");
        var url = $"/pub/{HarkTestServer.NewChannel()}";
        using (var missing = await keyed.Client.PostAsync(url, new StringContent("1", Encoding.UTF8, "application/json")))
        {
            Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.ToString());
            await AssertProblemAsync(missing, HttpStatusCode.Unauthorized, "missing-key");
        }
        var wrong = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent("1", Encoding.UTF8, "application/json") };
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret-not");
        using (var response = await keyed.Client.SendAsync(wrong))
        {
            await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "invalid-key");
        }
        using var info = await keyed.Client.GetAsync(url);
        await AssertProblemAsync(info, HttpStatusCode.Unauthorized, "missing-key");

        var forwarded = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent("1", Encoding.UTF8, "application/json") };
        forwarded.Headers.Add("X-Forwarded-For", "203.0.113.9");
        using var proxied = await Server.Client.SendAsync(forwarded);
        await AssertProblemAsync(proxied, HttpStatusCode.Forbidden, "publish-forbidden");
    }

    [Fact]
    public async Task UnknownRoute_Is404Problem()
    {
        using var response = await Server.Client.GetAsync("/nowhere");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task SseClientThatNeverReads_IsDropped_AndTheServerStaysHealthy()
    {
        await using var server = await HarkTestServer.StartAsync(Output, "Hark:Streams:WriteTimeout=00:00:01", "Hark:History:MaxMessages=50");
        var c = HarkTestServer.NewChannel();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync(server.Address.Host, server.Address.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /sub/{c} HTTP/1.1\r\nHost: test\r\nAccept: text/event-stream\r\n\r\n"));
        await HarkTestServer.EventuallyAsync(async () => await server.WaitingSubscribersAsync(c) == 1, "the stream is open");

        // Publish far more than socket buffers hold; the stream's writes stall, then the server drops it
        // (after Hark:Streams:WriteTimeout, or Kestrel's minimum data rate, whichever comes first).
        var big = "\"" + new string('x', 60_000) + "\"";
        static bool StillHeld(PrometheusText metrics) => metrics.Value("hark_connections_held", ("hark_transport", "sse")) != 0;
        for (var i = 0; i < 400 && (i % 20 != 19 || StillHeld(await server.ScrapeAsync())); i++)
        {
            await server.PublishAsync(c, big);
        }
        await HarkTestServer.EventuallyAsync(async () => !StillHeld(await server.ScrapeAsync()), "the non-reading stream is dropped");
        Output.WriteLine(await server.Client.GetStringAsync("/metrics"));

        // The client finds its connection closed once it drains what was already in flight.
        var buffer = new byte[64 * 1024];
        using var cts = new CancellationTokenSource(HarkTestServer.Patience);
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token) > 0)
            {
            }
        }
        catch (SocketException)
        {
            // A reset is as good as a close here.
        }
        using var health = await server.Client.GetAsync("/healthz/ready");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }
}
