using System.Net;
using System.Net.WebSockets;
using Hark.AspNetCore.Tests.Infrastructure;
using Hark.Client;

namespace Hark.AspNetCore.Tests;

/// <summary>Who may open a socket (its page's Origin) and read which channels on it (subscriber tokens, as over HTTP).</summary>
public sealed class WebSocketSecurityTests(ITestOutputHelper output) : ServerTest(output,
    "Hark:Subscribe:RequireToken=true",
    $"Hark:Subscribe:TokenKeys:0={Key}",
    "Hark:Subscribe:PublicChannels:0=news.*",
    "Hark:Cors:Origins:0=https://app.example.com")
{
    private const string Key = "ws-key-0123456789-0123456789-0123456789";

    private static string Token(params string[] channels) => HarkSubscriberToken.Create(Key, channels, TimeSpan.FromMinutes(5));

    private static Action<ClientWebSocketOptions> From(string origin) => o => o.SetRequestHeader("Origin", origin);

    [Fact]
    public async Task Upgrade_FromAnotherSitesPage_IsRefused()
    {
        Assert.Equal(HttpStatusCode.Forbidden, await SocketClient.RefusedAsync(Server, "channels=news.a", From("https://evil.example")));
        Assert.Equal(HttpStatusCode.Forbidden, await SocketClient.RefusedAsync(Server, "channels=news.a", From("null")));

        var own = $"http://{Server.Address.Authority}";
        foreach (var origin in new[] { own, "https://app.example.com" })
        {
            await using var socket = await SocketClient.ConnectAsync(Server, "channels=news.a", From(origin));
            await socket.ReceiveAsync("subscribed");
        }
    }

    [Fact]
    public async Task QuerySubscription_WithoutToken_IsClosedWith4401()
    {
        await using var socket = await SocketClient.ConnectAsync(Server, "channels=user.1");
        var (frames, status, reason) = await socket.ReadToCloseAsync();
        Assert.Contains("urn:hark:problem:missing-token", Assert.Single(frames), StringComparison.Ordinal);
        Assert.Equal((WebSocketCloseStatus)4401, status);
        Assert.Equal("urn:hark:problem:missing-token", reason);
    }

    [Fact]
    public async Task Token_InQueryOrHeader_ReadsItsChannels()
    {
        await using (var query = await SocketClient.ConnectAsync(Server, "channels=user.1&token=" + Token("user.1")))
        {
            await query.ReceiveAsync("subscribed");
        }
        await using var header = await SocketClient.ConnectAsync(Server, "channels=user.1,news.x",
            o => o.SetRequestHeader("Authorization", "Bearer " + Token("user.*")));
        await header.ReceiveAsync("subscribed");
        await header.SendAsync("""{"type":"subscribe","id":1,"channels":["user.2"]}""");
        await header.ReceiveAsync("subscribed");
    }

    [Fact]
    public async Task AuthFrame_SetsTheToken_ForLaterSubscriptions_WithTheSameRulesAsHttp()
    {
        await using var socket = await SocketClient.ConnectAsync(Server);
        await socket.SendAsync("""{"type":"subscribe","id":1,"channels":["user.1"]}""");
        Assert.Contains("missing-token", (await socket.ReceiveAsync("error")).GetProperty("problem").GetProperty("type").GetString(), StringComparison.Ordinal);
        await socket.SendAsync("""{"type":"auth","id":2,"token":"not.a.token"}""");
        Assert.EndsWith("invalid-token", (await socket.ReceiveAsync("error")).GetProperty("problem").GetProperty("type").GetString(), StringComparison.Ordinal);

        await socket.SendAsync($$"""{"type":"auth","id":3,"token":"{{Token("user.1")}}"}""");
        await socket.ReceiveAsync("authorized");
        await socket.SendAsync("""{"type":"subscribe","id":4,"channels":["user.1"]}""");
        await socket.ReceiveAsync("subscribed");
        await socket.SendAsync("""{"type":"subscribe","id":5,"channels":["user.2"]}""");
        var forbidden = await socket.ReceiveAsync("error");
        Assert.Equal(403, forbidden.GetProperty("problem").GetProperty("status").GetInt32());
        Assert.EndsWith("channel-forbidden", forbidden.GetProperty("problem").GetProperty("type").GetString(), StringComparison.Ordinal);
        // A token in the subscribe frame serves that subscription alone; public channels need none.
        await socket.SendAsync($$"""{"type":"subscribe","id":6,"channels":["user.2"],"token":"{{Token("user.2")}}"}""");
        await socket.ReceiveAsync("subscribed");
        await socket.SendAsync("""{"type":"subscribe","id":7,"channels":["news.y"]}""");
        await socket.ReceiveAsync("subscribed");
    }
}
