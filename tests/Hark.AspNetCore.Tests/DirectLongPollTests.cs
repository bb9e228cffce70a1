using System.Net;
using Hark.AspNetCore.Tests.Infrastructure;
using Hark.Hub;

namespace Hark.AspNetCore.Tests;

/// <summary>
/// Plain long-polls answered on the connection, ahead of Kestrel's HTTP layer, and every request that is
/// not one handed to the pipeline unread, on raw connections so the exact bytes are the test's.
/// </summary>
public sealed class DirectLongPollTests(ITestOutputHelper output)
{
    internal static Task<long> Direct(HarkTestServer server) => Metric(server, "hark_polls_direct_total");

    internal static async Task<long> Metric(HarkTestServer server, string name) => (long)(await server.CollectAsync()).Sum(name);

    /// <summary>Sends a poll that will wait, and returns once the server holds it.</summary>
    internal static Task HoldAsync(HarkTestServer server, HandDrivenConnection connection, string target) =>
        HoldAsync(server, connection, HandDrivenConnection.Get(target), held: 1);

    /// <summary>Sends a raw poll that will wait, and returns once the server holds <paramref name="held"/> polls in all.</summary>
    internal static async Task HoldAsync(HarkTestServer server, HandDrivenConnection connection, string raw, int held)
    {
        await connection.SendAsync(raw);
        await HarkTestServer.EventuallyAsync(() => server.Service<DeadlineWheel>().Count == held, $"{held} polls are held");
    }

    [Fact]
    public async Task Polls_AreAnsweredOnTheConnection_UntilAnotherRequest_HandsItToThePipeline()
    {
        await using var server = await HarkTestServer.StartAsync(output);
        var c = HarkTestServer.NewChannel();
        await using var connection = await HandDrivenConnection.OpenAsync(server.Address);

        await connection.SendAsync(HandDrivenConnection.Get($"/sub/{c}?timeout=0"));
        var first = await connection.ReadResponseAsync();
        Assert.Equal(200, first.Status);
        Assert.Equal("application/json; charset=utf-8", first.Headers["Content-Type"]);
        Assert.Equal("no-store", first.Headers["Cache-Control"]);
        Assert.True(first.Headers.ContainsKey("Date"));
        var cursor = first.Json.GetProperty("cursor").GetString();

        await HoldAsync(server, connection, $"/sub/{c}?cursor={cursor}&timeout=30");
        await server.PublishAsync(c, "{\"n\":1}");
        var second = await connection.ReadResponseAsync();
        Assert.Equal(200, second.Status);
        var message = Assert.Single(second.Json.GetProperty("messages").EnumerateArray());
        Assert.Equal(1, message.GetProperty("data").GetProperty("n").GetInt32());
        Assert.Equal(2, await Direct(server));

        // Another request on the same connection goes through the pipeline, and so does every poll after it.
        await connection.SendAsync(HandDrivenConnection.Get("/healthz"));
        Assert.Equal(200, (await connection.ReadResponseAsync()).Status);
        await server.PublishAsync(c, "{\"n\":2}");
        await connection.SendAsync(HandDrivenConnection.Get($"/sub/{c}?cursor={second.Json.GetProperty("cursor").GetString()}&timeout=30"));
        var third = await connection.ReadResponseAsync();
        Assert.Equal(2, Assert.Single(third.Json.GetProperty("messages").EnumerateArray()).GetProperty("data").GetProperty("n").GetInt32());
        Assert.Equal(2, await Direct(server));
    }

    [Fact]
    public async Task PipelinedPolls_AreAnsweredInOrder()
    {
        await using var server = await HarkTestServer.StartAsync(output);
        var c = HarkTestServer.NewChannel();
        await server.PublishAsync(c, "1");
        await server.PublishAsync(c, "2");
        await using var connection = await HandDrivenConnection.OpenAsync(server.Address);

        await connection.SendAsync(HandDrivenConnection.Get($"/sub/{c}?cursor=oldest&max=1&timeout=0") + HandDrivenConnection.Get($"/sub/{c}?last=1&timeout=0"));

        var first = await connection.ReadResponseAsync();
        var second = await connection.ReadResponseAsync();
        Assert.Equal(1, Assert.Single(first.Json.GetProperty("messages").EnumerateArray()).GetProperty("data").GetInt32());
        Assert.Equal(2, Assert.Single(second.Json.GetProperty("messages").EnumerateArray()).GetProperty("data").GetInt32());
        Assert.Equal(2, await Direct(server));
    }

    [Fact]
    public async Task AHeadSentInPieces_IsAnswered()
    {
        await using var server = await HarkTestServer.StartAsync(output);
        var c = HarkTestServer.NewChannel();
        await using var connection = await HandDrivenConnection.OpenAsync(server.Address);
        var request = HandDrivenConnection.Get($"/sub/{c}?timeout=0");

        // Once the server holds the connection its first read is waiting, so the first piece arrives alone.
        await HarkTestServer.EventuallyAsync(() => server.Connections.Count == 1, "the server accepted the connection");
        await connection.SendAsync(request[..10]);
        await connection.SendAsync(request[10..]);

        // Whichever takes it (the pieces may still arrive together on a busy machine), the answer is the same.
        Assert.Equal(200, (await connection.ReadResponseAsync()).Status);
    }

    [Theory]
    [InlineData("GET /sub/a?timeout=0 HTTP/1.1\r\nHost: test\r\nNo colon here\r\n\r\n", 400)]
    [InlineData("GET /sub/a?timeout=0 HTTP/1.1\r\n\r\n", 400)]
    [InlineData("GET /sub/a b HTTP/1.1\r\nHost: test\r\n\r\n", 400)]
    [InlineData("GET /sub/a?timeout=0 HTTP/1.1\r\nHost: test\r\nHost: other\r\n\r\n", 400)]
    [InlineData("GET /sub/a?cursor=zzz HTTP/1.1\r\nHost: test\r\n\r\n", 400)]
    [InlineData("GET /sub/a%2Fb?timeout=0 HTTP/1.1\r\nHost: test\r\n\r\n", 400)]
    [InlineData("GET /sub/a?timeout=abc HTTP/1.1\r\nHost: test\r\n\r\n", 400)]
    [InlineData("GET /sub/a?transport=carrier-pigeon HTTP/1.1\r\nHost: test\r\n\r\n", 400)]
    [InlineData("POST /sub/a HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n", 405)]
    [InlineData("GET /sub/a?timeout=0 HTTP/1.1\r\nHost: exa mple\r\n\r\n", 400)]
    [InlineData("GET /sub/a?timeout=0 HTTP/1.1\r\nHost: a/b\r\n\r\n", 400)]
    [InlineData("GET /sub/a?timeout=0 HTTP/1.1\r\nHost: test\r\nLast-Event-ID:\r\nLast-Event-ID: zzz\r\n\r\n", 400)]
    public async Task MalformedOrRefusedRequests_GetTheirUsual4xx(string raw, int status)
    {
        await using var server = await HarkTestServer.StartAsync(output);
        await using var connection = await HandDrivenConnection.OpenAsync(server.Address);

        await connection.SendAsync(raw);
        var response = await connection.ReadResponseAsync();

        Assert.Equal(status, response.Status);
        if (status == 400 && raw.Contains("cursor=zzz", StringComparison.Ordinal))
        {
            // Taken here and refused here, as the endpoint would.
            Assert.Equal("urn:hark:problem:invalid-cursor", response.Json.GetProperty("type").GetString());
        }
    }

    [Theory]
    [InlineData("/sub/.")]
    [InlineData("/sub/..")]
    public async Task DotSegments_AreLeftToKestrel_WhichRemovesThem(string target)
    {
        await using var server = await HarkTestServer.StartAsync(output);
        await using var connection = await HandDrivenConnection.OpenAsync(server.Address);

        await connection.SendAsync(HandDrivenConnection.Get(target + "?timeout=0"));
        var response = await connection.ReadResponseAsync();

        Assert.Equal(0, await Direct(server));
        Assert.False(response.Headers.TryGetValue("Content-Type", out var type) && type.StartsWith("application/json", StringComparison.Ordinal),
            "a dot segment was answered as a subscription");
    }

    [Fact]
    public async Task OnlyAllowedHosts_AreAnswered()
    {
        await using var server = await HarkTestServer.StartAsync(output, "AllowedHosts=push.example;*.example.test");
        var c = HarkTestServer.NewChannel();
        await using var connection = await HandDrivenConnection.OpenAsync(server.Address);

        foreach (var host in new[] { "push.example", "PUSH.example:8090", "a.example.test" })
        {
            await connection.SendAsync($"GET /sub/{c}?timeout=0 HTTP/1.1\r\nHost: {host}\r\n\r\n");
            Assert.Equal(200, (await connection.ReadResponseAsync()).Status);
        }
        Assert.Equal(3, await Direct(server));

        await connection.SendAsync($"GET /sub/{c}?timeout=0 HTTP/1.1\r\nHost: evil.example\r\n\r\n");
        Assert.Equal(400, (await connection.ReadResponseAsync()).Status);
        Assert.Equal(3, await Direct(server));
    }

    [Fact]
    public async Task AnInfiniteKeepAlive_StillServesPolls()
    {
        await using var server = await HarkTestServer.StartAsync(output,
            "Kestrel:Limits:KeepAliveTimeout=10675199.02:48:05.4775807", "Kestrel:Limits:RequestHeadersTimeout=10675199.02:48:05.4775807");
        await using var connection = await HandDrivenConnection.OpenAsync(server.Address);

        for (var i = 0; i < 2; i++)
        {
            await connection.SendAsync(HandDrivenConnection.Get($"/sub/{HarkTestServer.NewChannel()}?timeout=0"));
            Assert.Equal(200, (await connection.ReadResponseAsync()).Status);
        }
        Assert.Equal(2, await Direct(server));
    }

    [Fact]
    public async Task AClientThatVanishesWhileHeld_IsReleased_AndItsAddressMayHoldAgain()
    {
        await using var server = await HarkTestServer.StartAsync(output, "Hark:Limits:MaxHeldPerAddress=2");
        var c = HarkTestServer.NewChannel();
        var wheel = server.Service<DeadlineWheel>();
        for (var round = 0; round < 3; round++)
        {
            var connections = new List<HandDrivenConnection>();
            for (var i = 0; i < 2; i++)
            {
                var connection = await HandDrivenConnection.OpenAsync(server.Address);
                await connection.SendAsync(HandDrivenConnection.Get($"/sub/{c}?timeout=60"));
                connections.Add(connection);
            }
            await HarkTestServer.EventuallyAsync(() => wheel.Count == 2, $"round {round}: both polls held");
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
            await HarkTestServer.EventuallyAsync(() => wheel.Count == 0, $"round {round}: both polls released");
        }
        await HarkTestServer.EventuallyAsync(async () => await Metric(server, "hark_connections_held") == 0, "the held gauge is back to 0");
    }

    [Fact]
    public async Task AnAddressAtItsHeldLimit_Gets429()
    {
        await using var server = await HarkTestServer.StartAsync(output, "Hark:Limits:MaxHeldPerAddress=1");
        var c = HarkTestServer.NewChannel();
        await using var holding = await HandDrivenConnection.OpenAsync(server.Address);
        await HoldAsync(server, holding, $"/sub/{c}?timeout=60");

        await using var second = await HandDrivenConnection.OpenAsync(server.Address);
        await second.SendAsync(HandDrivenConnection.Get($"/sub/{c}?timeout=60"));
        var refused = await second.ReadResponseAsync();

        Assert.Equal(429, refused.Status);
        Assert.Equal("urn:hark:problem:too-many-connections", refused.Json.GetProperty("type").GetString());
    }

    [Fact]
    public async Task AChannelDeletedWhileHeld_Gets410Problem()
    {
        await using var server = await HarkTestServer.StartAsync(output);
        var c = HarkTestServer.NewChannel();
        await server.PublishAsync(c, "1");
        await using var connection = await HandDrivenConnection.OpenAsync(server.Address);
        await HoldAsync(server, connection, $"/sub/{c}?timeout=60");

        using var deleted = await server.Client.DeleteAsync($"/pub/{c}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        var response = await connection.ReadResponseAsync();

        Assert.Equal(410, response.Status);
        Assert.Equal("application/problem+json", response.Headers["Content-Type"]);
        var problem = response.Json;
        Assert.Equal("urn:hark:problem:channel-closed", problem.GetProperty("type").GetString());
        Assert.Equal(410, problem.GetProperty("status").GetInt32());
        Assert.Equal($"/sub/{c}", problem.GetProperty("instance").GetString());
        Assert.Equal(1, await Direct(server));
    }

    [Fact]
    public async Task AnIdleConnection_IsClosedAfterTheKeepAliveTimeout()
    {
        await using var server = await HarkTestServer.StartAsync(output, "Kestrel:Limits:KeepAliveTimeout=00:00:01");
        await using var connection = await HandDrivenConnection.OpenAsync(server.Address);
        await connection.SendAsync(HandDrivenConnection.Get($"/sub/{HarkTestServer.NewChannel()}?timeout=0"));
        Assert.Equal(200, (await connection.ReadResponseAsync()).Status);
        Assert.Equal(1, await Direct(server));

        Assert.True(await connection.ClosedByServerAsync(TimeSpan.FromSeconds(15)), "the idle connection stayed open");
    }

    [Fact]
    public async Task Shutdown_AnswersAHeldPoll_AndClosesTheConnection()
    {
        var server = await HarkTestServer.StartAsync(output);
        await using var connection = await HandDrivenConnection.OpenAsync(server.Address);
        await HoldAsync(server, connection, $"/sub/{HarkTestServer.NewChannel()}?timeout=60");

        var stopping = server.App.StopAsync();
        var response = await connection.ReadResponseAsync();
        await stopping.WaitAsync(HarkTestServer.Patience);

        Assert.Equal(200, response.Status);
        Assert.Empty(response.Json.GetProperty("messages").EnumerateArray());
        // The answer comes as the application stops; the connection closes once Kestrel stops too.
        Assert.True(await connection.ClosedByServerAsync(HarkTestServer.Patience));
        await server.App.DisposeAsync();
    }

    [Fact]
    public async Task TurnedOff_EveryPollGoesThroughThePipeline()
    {
        await using var server = await HarkTestServer.StartAsync(output, "Hark:Poll:Direct=false");
        await using var connection = await HandDrivenConnection.OpenAsync(server.Address);

        await connection.SendAsync(HandDrivenConnection.Get($"/sub/{HarkTestServer.NewChannel()}?timeout=0"));

        Assert.Equal(200, (await connection.ReadResponseAsync()).Status);
        Assert.Equal(0, await Direct(server));
    }
}
