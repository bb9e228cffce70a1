using System.Net;
using System.Net.WebSockets;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Hark.AspNetCore.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hark.AspNetCore.Tests;

/// <summary>
/// An application that embeds Hark behind its own authentication scheme and policy
/// (<c>MapHark().RequireAuthorization(policy)</c>): every front door (the direct long-poll path, SSE, NDJSON and the
/// WebSocket upgrade) refuses a request without the user and serves one with it.
/// </summary>
public sealed class EmbeddedAuthorizationTests(ITestOutputHelper output)
{
    private const string SchemeName = "TestUser";
    private const string UserHeader = "X-Test-User";

    private Task<HarkTestServer> StartAsync() => HarkTestServer.StartEmbeddedAsync(output, builder =>
    {
        builder.Services.AddAuthentication(SchemeName).AddScheme<AuthenticationSchemeOptions, HeaderAuthentication>(SchemeName, _ => { });
        builder.Services.AddAuthorization(options => options.AddPolicy("readers", policy => policy.RequireAuthenticatedUser().RequireClaim("role", "reader")));
    }, hark => hark.RequireAuthorization("readers"));

    [Theory]
    [InlineData("longpoll")]
    [InlineData("sse")]
    [InlineData("ndjson")]
    public async Task Http_WithoutTheUser_Refused_WithIt_Served(string transport)
    {
        await using var server = await StartAsync();
        var channel = HarkTestServer.NewChannel();

        // A plain long-poll is what the direct path would answer on the connection: it must reach the policy.
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(server, channel, transport, user: null));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(server, channel, transport, user: "guest"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(server, channel, transport, user: "reader"));
        Assert.Equal(0, await DirectLongPollTests.Direct(server));
    }

    [Fact]
    public async Task WebSocket_WithoutTheUser_Refused_WithIt_Served()
    {
        await using var server = await StartAsync();
        var channel = HarkTestServer.NewChannel();

        Assert.Equal(HttpStatusCode.Unauthorized, await SocketClient.RefusedAsync(server, $"channels={channel}"));
        Assert.Equal(HttpStatusCode.Forbidden, await SocketClient.RefusedAsync(server, $"channels={channel}", o => o.SetRequestHeader(UserHeader, "guest")));
        await using var socket = await SocketClient.ConnectAsync(server, $"channels={channel}", o => o.SetRequestHeader(UserHeader, "reader"));
        Assert.Equal(WebSocketState.Open, socket.Socket.State);
        await socket.ReceiveAsync("subscribed");
    }

    private static async Task<HttpStatusCode> StatusAsync(HarkTestServer server, string channel, string transport, string? user)
    {
        if (transport == "longpoll" && user is null)
        {
            // Exactly what a browser's plain poll looks like to the direct path: no header off its allow-list.
            await using var connection = await HandDrivenConnection.OpenAsync(server.Address);
            await connection.SendAsync(HandDrivenConnection.Get($"/sub/{channel}?timeout=0"));
            return (HttpStatusCode)(await connection.ReadResponseAsync()).Status;
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/sub/{channel}?timeout=0" + (transport == "longpoll" ? "" : "&transport=" + transport));
        if (user is not null)
        {
            request.Headers.Add(UserHeader, user);
        }
        using var response = await server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return response.StatusCode;
    }

    /// <summary>The test's authentication scheme: the user named by a header, a reader when the name says so.</summary>
    private sealed class HeaderAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var name = Request.Headers[UserHeader].ToString();
            if (name.Length == 0)
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }
            Claim[] claims = [new(ClaimTypes.Name, name), new("role", name == "reader" ? "reader" : "guest")];
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName)));
        }
    }
}
