using System.Net;
using System.Text;
using Hark.AspNetCore.Tests.Infrastructure;

namespace Hark.AspNetCore.Tests;

/// <summary>
/// The WebSocket transport over HTTP/2 (extended CONNECT, RFC 8441), on a cleartext listener that speaks HTTP/2 only
/// (Kestrel serves cleartext HTTP/2 with prior knowledge on such a listener, not beside HTTP/1.1).
/// </summary>
public sealed class WebSocketHttp2Tests(ITestOutputHelper output) : ServerTest(output, "Kestrel:EndpointDefaults:Protocols=Http2")
{
    [Fact]
    public async Task ExtendedConnect_OpensTheSameSocket_WithItsAcknowledgementAndMessages()
    {
        using var http2 = new HttpClient(new SocketsHttpHandler())
        {
            BaseAddress = Server.Address,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        var c = HarkTestServer.NewChannel();
        await using var socket = await SocketClient.ConnectAsync(Server, $"channels={c}", options =>
        {
            options.HttpVersion = HttpVersion.Version20;
            options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        });

        // A CONNECT that opens a socket is answered 200, where an HTTP/1.1 upgrade is answered 101.
        Assert.Equal(HttpStatusCode.OK, socket.Socket.HttpStatusCode);
        var subscribed = await socket.ReceiveAsync("subscribed");
        Assert.Equal(c, Assert.Single(subscribed.GetProperty("channels").EnumerateArray()).GetString());
        using (var published = await http2.PostAsync($"/pub/{c}", new StringContent("\"over h2\"", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Accepted, published.StatusCode);
            Assert.Equal(new Version(2, 0), published.Version);
        }
        var message = await socket.ReceiveAsync();
        Assert.Equal("over h2", message.GetProperty("data").GetString());
        Assert.Equal(1, message.GetProperty("seq").GetInt64());
    }
}
