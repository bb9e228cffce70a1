using System.Net;
using Hark.AspNetCore.Tests.Infrastructure;

namespace Hark.AspNetCore.Tests;

/// <summary>
/// The server behind a real nginx configured as docs/operations.md says (<c>X-Forwarded-For</c> added, keep-alive
/// to the upstream): plain long-polls are still answered on the connection, and the per-address limits count the
/// client nginx names when the server trusts it, as the pipeline would. Clients are told apart by binding their
/// connections to different loopback addresses.
/// </summary>
public sealed class BehindNginxTests(ITestOutputHelper output)
{
    private static readonly IPAddress ClientA = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress ClientB = IPAddress.Parse("127.0.0.3");

    [Fact]
    public async Task PlainPolls_ThroughNginx_AreAnsweredOnTheConnection_AndDeliver()
    {
        await using var server = await HarkTestServer.StartAsync(output);
        await using var nginx = await NginxProxy.StartAsync(server.Address, output);
        var c = HarkTestServer.NewChannel();
        await using var connection = await HandDrivenConnection.OpenAsync(nginx.Address, ClientA);

        await connection.SendAsync(HandDrivenConnection.Get($"/sub/{c}?timeout=0"));
        var now = await connection.ReadResponseAsync();
        Assert.Equal(200, now.Status);
        await DirectLongPollTests.HoldAsync(server, connection, HandDrivenConnection.Get($"/sub/{c}?cursor={now.Json.GetProperty("cursor").GetString()}&timeout=30"), held: 1);
        await server.PublishAsync(c, "{\"n\":1}");
        var delivered = await connection.ReadResponseAsync();

        Assert.Equal(200, delivered.Status);
        Assert.Equal(1, Assert.Single(delivered.Json.GetProperty("messages").EnumerateArray()).GetProperty("data").GetProperty("n").GetInt32());
        Assert.Equal(2, await DirectLongPollTests.Direct(server));
    }

    [Fact]
    public async Task TheHeldLimit_CountsTheClientNginxForwards_NotNginx()
    {
        await using var server = await HarkTestServer.StartAsync(output, "Hark:Limits:MaxHeldPerAddress=1");
        await using var nginx = await NginxProxy.StartAsync(server.Address, output);
        var c = HarkTestServer.NewChannel();
        await using var a = await HandDrivenConnection.OpenAsync(nginx.Address, ClientA);
        await using var b = await HandDrivenConnection.OpenAsync(nginx.Address, ClientB);
        await using var aAgain = await HandDrivenConnection.OpenAsync(nginx.Address, ClientA);

        await DirectLongPollTests.HoldAsync(server, a, HandDrivenConnection.Get($"/sub/{c}?timeout=60"), held: 1);
        await DirectLongPollTests.HoldAsync(server, b, HandDrivenConnection.Get($"/sub/{c}?timeout=60"), held: 2);
        await aAgain.SendAsync(HandDrivenConnection.Get($"/sub/{c}?timeout=60"));
        var refused = await aAgain.ReadResponseAsync();

        Assert.Equal(429, refused.Status);
        Assert.Equal("urn:hark:problem:too-many-connections", refused.Json.GetProperty("type").GetString());
        Assert.Equal(3, await DirectLongPollTests.Direct(server));
    }

    [Fact]
    public async Task WithoutForwardedHeaders_PollsThroughNginx_AreStillAnsweredOnTheConnection_AndCountAsNginx()
    {
        await using var server = await HarkTestServer.StartAsync(output, "Hark:Limits:MaxHeldPerAddress=1", "ForwardedHeaders:Headers=None");
        await using var nginx = await NginxProxy.StartAsync(server.Address, output);
        var c = HarkTestServer.NewChannel();
        await using var a = await HandDrivenConnection.OpenAsync(nginx.Address, ClientA);
        await using var b = await HandDrivenConnection.OpenAsync(nginx.Address, ClientB);

        await DirectLongPollTests.HoldAsync(server, a, HandDrivenConnection.Get($"/sub/{c}?timeout=60"), held: 1);
        await b.SendAsync(HandDrivenConnection.Get($"/sub/{c}?timeout=60"));
        var refused = await b.ReadResponseAsync();

        // X-Forwarded-For is then a field nobody reads: both clients are nginx's one address, as in the pipeline.
        Assert.Equal(429, refused.Status);
        Assert.Equal("urn:hark:problem:too-many-connections", refused.Json.GetProperty("type").GetString());
        Assert.Equal(2, await DirectLongPollTests.Direct(server));
    }
}
