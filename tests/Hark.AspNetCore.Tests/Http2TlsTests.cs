using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hark.AspNetCore.Tests.Infrastructure;

namespace Hark.AspNetCore.Tests;

/// <summary>
/// The server over HTTPS with a certificate of its configuration (<c>Kestrel:Certificates:Default</c>): HTTP/2 by
/// ALPN beside HTTP/1.1, every transport on it, many subscriptions on one connection, and the direct long-poll
/// path, which reads only cleartext HTTP/1.1, handing TLS connections to Kestrel untouched.
/// </summary>
public sealed class Http2TlsTests(ITestOutputHelper output) : ServerTest(output, TestCertificate.HttpsSettings)
{
    private HttpClient Client(Version version) => new(TestCertificate.TrustingHandler())
    {
        BaseAddress = Server.Address,
        DefaultRequestVersion = version,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromSeconds(60),
    };

    private static HttpRequestMessage Streaming(string target, string accept)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, target)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.Accept.ParseAdd(accept);
        return request;
    }

    private static async Task PublishAsync(HttpClient client, string channel, string json)
    {
        using var response = await client.PostAsync($"/pub/{channel}", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(client.DefaultRequestVersion, response.Version);
    }

    private static async Task WaitingAsync(HttpClient client, string channel, int count) =>
        await HarkTestServer.EventuallyAsync(async () =>
        {
            using var info = await client.GetAsync($"/pub/{channel}");
            return info.IsSuccessStatusCode && (await info.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("subscribers").GetInt32() == count;
        }, $"{count} subscribers wait on {channel}");

    [Theory]
    [InlineData(2)]
    [InlineData(1)]
    public async Task LongPoll_OverTls_IsAnsweredByThePipeline_OnEitherVersion(int major)
    {
        using var client = Client(new Version(major, major == 1 ? 1 : 0));
        var c = HarkTestServer.NewChannel();
        var poll = client.GetAsync($"/sub/{c}?timeout=20");
        await WaitingAsync(client, c, 1);
        await PublishAsync(client, c, "\"over tls\"");

        using var response = await poll.WaitAsync(HarkTestServer.Patience);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(client.DefaultRequestVersion, response.Version);
        var batch = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("over tls", batch.GetProperty("messages")[0].GetProperty("data").GetString());
        // The direct path sees only TLS records on this listener and leaves every connection to Kestrel.
        Assert.Equal(0, await DirectLongPollTests.Direct(Server));
    }

    [Fact]
    public async Task ServerSentEvents_OverHttp2_StreamEachMessage()
    {
        using var client = Client(HttpVersion.Version20);
        var c = HarkTestServer.NewChannel();
        using var request = Streaming($"/sub/{c}", "text/event-stream");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        Assert.True((await reader.ReadAsync())!.IsComment);

        await PublishAsync(client, c, "{\"n\":1}");
        await PublishAsync(client, c, "{\"n\":2}");
        Assert.Equal("{\"n\":1}", (await reader.ReadEventAsync())!.Data);
        Assert.Equal("{\"n\":2}", (await reader.ReadEventAsync())!.Data);
    }

    [Fact]
    public async Task Ndjson_OverHttp2_StreamsOneObjectPerLine()
    {
        using var client = Client(HttpVersion.Version20);
        var c = HarkTestServer.NewChannel();
        using var request = Streaming($"/sub/{c}", "application/x-ndjson");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var cts = new CancellationTokenSource(HarkTestServer.Patience);
        var opening = JsonDocument.Parse((await reader.ReadLineAsync(cts.Token))!).RootElement;
        Assert.True(opening.TryGetProperty("cursor", out _));

        await PublishAsync(client, c, "\"line\"");
        string? line;
        do
        {
            line = await reader.ReadLineAsync(cts.Token);
        }
        while (line is "");
        var message = JsonDocument.Parse(line!).RootElement;
        Assert.Equal("line", message.GetProperty("data").GetString());
        Assert.Equal(1, message.GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task Iframe_OverHttp2_PostsEachMessage()
    {
        using var client = Client(HttpVersion.Version20);
        var c = HarkTestServer.NewChannel();
        using var response = await client.GetAsync($"/sub/{c}?transport=iframe", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var cts = new CancellationTokenSource(HarkTestServer.Patience);
        await PublishAsync(client, c, "\"framed\"");
        while (await reader.ReadLineAsync(cts.Token) is { } line)
        {
            if (line.Contains("framed", StringComparison.Ordinal))
            {
                Assert.Contains($"\"channel\":\"{c}\"", line);
                return;
            }
        }
        Assert.Fail("the message never came");
    }

    [Fact]
    public async Task WebSocket_OverHttp2WithTls_OpensByExtendedConnect()
    {
        using var client = Client(HttpVersion.Version20);
        var c = HarkTestServer.NewChannel();
        await using var socket = await SocketClient.ConnectAsync(Server, $"channels={c}", options =>
        {
            options.HttpVersion = HttpVersion.Version20;
            options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        });
        Assert.Equal(HttpStatusCode.OK, socket.Socket.HttpStatusCode);
        await socket.ReceiveAsync("subscribed");
        await PublishAsync(client, c, "\"socket\"");
        Assert.Equal("socket", (await socket.ReceiveAsync()).GetProperty("data").GetString());
    }

    [Fact]
    public async Task ManySubscriptions_OnOneHttp2Connection_EachGetsEveryMessage()
    {
        using var client = Client(HttpVersion.Version20);
        var c = HarkTestServer.NewChannel();
        // Open one connection first, so the requests below are streams on it rather than races to open more.
        await PublishAsync(client, c, "\"before\"");
        var cursor = (await (await client.GetAsync($"/sub/{c}?timeout=0")).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("cursor").GetString();
        var polls = Enumerable.Range(0, 20).Select(_ => client.GetAsync($"/sub/{c}?timeout=20&cursor={cursor}")).ToArray();
        var streams = new List<(HttpResponseMessage Response, SseReader Reader)>();
        for (var i = 0; i < 5; i++)
        {
            using var request = Streaming($"/sub/{c}?cursor={cursor}", "text/event-stream");
            var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            streams.Add((response, new SseReader(await response.Content.ReadAsStreamAsync())));
        }
        await WaitingAsync(client, c, 25);
        Assert.Equal(1, Server.Connections.Count);

        await PublishAsync(client, c, "\"to all\"");
        foreach (var poll in polls)
        {
            using var response = await poll.WaitAsync(HarkTestServer.Patience);
            Assert.Equal(HttpVersion.Version20, response.Version);
            var batch = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("to all", Assert.Single(batch.GetProperty("messages").EnumerateArray()).GetProperty("data").GetString());
        }
        foreach (var (response, reader) in streams)
        {
            Assert.Equal("to all", (await reader.ReadEventAsync())!.Data);
            reader.Dispose();
            response.Dispose();
        }
        Assert.Equal(1, Server.Connections.Count);
    }

    [Fact]
    public async Task BadInput_OverHttp2_IsAProblem()
    {
        using var client = Client(HttpVersion.Version20);
        using var response = await client.GetAsync("/sub/a,,b?timeout=x");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}

/// <summary>
/// Cleartext HTTP/2 with prior knowledge on the default listener, which speaks HTTP/1.1 in the clear: the direct path
/// hands the connection preface to Kestrel unread, and Kestrel refuses it in HTTP/2's own terms.
/// </summary>
public sealed class Http2CleartextTests(ITestOutputHelper output) : ServerTest(output)
{
    [Fact]
    public async Task PriorKnowledge_OnTheDefaultListener_IsRefusedByKestrel_WithHttp11Required()
    {
        // At the socket, sending only the connection preface: HttpClient would send its SETTINGS too, which Kestrel
        // leaves unread when it closes, so the close may come as a reset that races the GOAWAY frame before it.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Server.Address.Port));
        await socket.SendAsync("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray());
        var received = new List<byte>();
        var buffer = new byte[4096];
        using (var patience = new CancellationTokenSource(HarkTestServer.Patience))
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, patience.Token)) > 0)
                received.AddRange(buffer.AsSpan(0, read));
        }
        Assert.Equal(0xdu, GoAwayErrorCode(received.ToArray())); // HTTP_1_1_REQUIRED
        Assert.Equal(0, await DirectLongPollTests.Direct(Server));

        // The same listener goes on answering HTTP/1.1 polls, on the direct path.
        var c = HarkTestServer.NewChannel();
        await Server.PollAsync($"/sub/{c}?timeout=0");
        Assert.Equal(1, await DirectLongPollTests.Direct(Server));
    }

    /// <summary>The error code of the first GOAWAY among HTTP/2 frames (RFC 9113 §4.1, §6.8).</summary>
    private static uint GoAwayErrorCode(byte[] frames)
    {
        for (var at = 0; at + 9 <= frames.Length;)
        {
            var length = (frames[at] << 16) | (frames[at + 1] << 8) | frames[at + 2];
            if (frames[at + 3] == 0x7 && at + 9 + 8 <= frames.Length)
                return BinaryPrimitives.ReadUInt32BigEndian(frames.AsSpan(at + 9 + 4, 4));
            at += 9 + length;
        }
        throw new Xunit.Sdk.XunitException($"no GOAWAY frame in {frames.Length} bytes: {Convert.ToHexString(frames)}");
    }
}
