using System.Collections.Concurrent;
using System.Diagnostics;
using Hark.AspNetCore.Tests.Infrastructure;
using static Hark.AspNetCore.Tests.DirectLongPollTests;

namespace Hark.AspNetCore.Tests;

/// <summary>
/// Which request heads the direct path answers on the connection and which it hands to the pipeline: the header
/// allow-list, forwarding headers from trusted and untrusted proxies, and trace context.
/// </summary>
public sealed class DirectLongPollHeaderTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("Origin: http://app.test")]
    [InlineData("Authorization: Bearer abc")]
    [InlineData("Connection: close")]
    [InlineData("Content-Length: 0")]
    public async Task RequestsThePipelineMustSee_GoThroughIt(string header)
    {
        await using var server = await HarkTestServer.StartAsync(output, "Hark:Cors:Origins:0=http://app.test");
        var c = HarkTestServer.NewChannel();
        await using var connection = await HandDrivenConnection.OpenAsync(server.Address);

        await connection.SendAsync(HandDrivenConnection.Get($"/sub/{c}?timeout=0", header));
        var response = await connection.ReadResponseAsync();

        Assert.Equal(200, response.Status);
        Assert.Equal(0, await Direct(server));
        if (header.StartsWith("Origin", StringComparison.Ordinal))
        {
            Assert.Equal("http://app.test", response.Headers["Access-Control-Allow-Origin"]);
        }
    }

    [Theory]
    [InlineData("X-Custom: 1")]
    [InlineData("Proxy-Authorization: Basic YTpi")]
    [InlineData("If-None-Match: \"abc\"")]
    [InlineData("Keep-Alive: timeout=5")]
    [InlineData("X-Amzn-Trace-Id: Root=1-67891233-abcdef012345678912345678")]
    public async Task AHeaderOffTheAllowList_IsHandedToThePipeline(string header)
    {
        await using var server = await HarkTestServer.StartAsync(output);
        await using var connection = await HandDrivenConnection.OpenAsync(server.Address);

        await connection.SendAsync(HandDrivenConnection.Get($"/sub/{HarkTestServer.NewChannel()}?timeout=0", header));

        Assert.Equal(200, (await connection.ReadResponseAsync()).Status);
        Assert.Equal(0, await Direct(server));
    }

    [Fact]
    public async Task ABrowsersAndAProxysUsualHeaders_AreAnsweredOnTheConnection()
    {
        await using var server = await HarkTestServer.StartAsync(output);
        await using var connection = await HandDrivenConnection.OpenAsync(server.Address);

        await connection.SendAsync(HandDrivenConnection.Get($"/sub/{HarkTestServer.NewChannel()}?timeout=0",
            "Connection: keep-alive", "User-Agent: Mozilla/5.0 (X11; Linux x86_64)", "Accept: application/json", "Accept-Encoding: gzip, deflate, br",
            "Accept-Language: en-GB,en;q=0.9", "Cache-Control: no-cache", "Pragma: no-cache", "Referer: http://test/page", "Cookie: theme=dark",
            "DNT: 1", "Sec-GPC: 1", "Priority: u=1, i", "Sec-Fetch-Site: same-origin", "Sec-Fetch-Mode: cors", "Sec-Fetch-Dest: empty",
            "Sec-CH-UA: \"Chromium\";v=\"140\"", "Sec-CH-UA-Mobile: ?0", "Sec-CH-UA-Platform: \"Linux\"", "X-Requested-With: XMLHttpRequest",
            "X-Real-IP: 203.0.113.7", "Via: 1.1 proxy", "Forwarded: for=203.0.113.7", "X-Forwarded-Proto: https", "X-Forwarded-Host: push.example",
            "X-Forwarded-Prefix: /push", "X-Forwarded-Port: 443"));

        Assert.Equal(200, (await connection.ReadResponseAsync()).Status);
        Assert.Equal(1, await Direct(server));
    }

    [Theory]
    [InlineData("X-Forwarded-Host: push.example")]
    [InlineData("X-Forwarded-Prefix: /push")]
    public async Task AForwardedHostOrPrefix_WhenTheOptionsApplyIt_IsHandedToThePipeline(string header)
    {
        await using var server = await HarkTestServer.StartAsync(output, "ForwardedHeaders:Headers=All");
        await using var connection = await HandDrivenConnection.OpenAsync(server.Address);

        await connection.SendAsync(HandDrivenConnection.Get($"/sub/{HarkTestServer.NewChannel()}?timeout=0", header));

        Assert.Equal(200, (await connection.ReadResponseAsync()).Status);
        Assert.Equal(0, await Direct(server));
    }

    [Fact]
    public async Task TraceContext_IsAnsweredOnTheConnection_OnlyWhileNothingRecordsIt()
    {
        await using var server = await HarkTestServer.StartAsync(output);
        await using var connection = await HandDrivenConnection.OpenAsync(server.Address);
        var traceId = ActivityTraceId.CreateRandom();
        var traced = $"traceparent: 00-{traceId}-{ActivitySpanId.CreateRandom()}-01";

        await connection.SendAsync(HandDrivenConnection.Get($"/sub/{HarkTestServer.NewChannel()}?timeout=0", traced, "tracestate: vendor=1"));
        Assert.Equal(200, (await connection.ReadResponseAsync()).Status);
        Assert.Equal(1, await Direct(server));

        // Listeners are process-wide: other tests' requests show up too, so look for this trace only.
        var started = new ConcurrentQueue<ActivityTraceId>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStarted = activity => started.Enqueue(activity.TraceId),
        };
        ActivitySource.AddActivityListener(listener);
        await connection.SendAsync(HandDrivenConnection.Get($"/sub/{HarkTestServer.NewChannel()}?timeout=0", traced));

        Assert.Equal(200, (await connection.ReadResponseAsync()).Status);
        Assert.Equal(1, await Direct(server));
        Assert.Contains(traceId, started);
    }

    [Fact]
    public async Task ForwardedFor_FromATrustedProxy_CountsTheForwardedClient()
    {
        // The server trusts loopback proxies by default, and the test connects from 127.0.0.1.
        await using var server = await HarkTestServer.StartAsync(output, "Hark:Limits:MaxHeldPerAddress=1");
        var c = HarkTestServer.NewChannel();
        await using var first = await HandDrivenConnection.OpenAsync(server.Address);
        await using var second = await HandDrivenConnection.OpenAsync(server.Address);
        await using var third = await HandDrivenConnection.OpenAsync(server.Address);

        await HoldAsync(server, first, HandDrivenConnection.Get($"/sub/{c}?timeout=60", "X-Forwarded-For: 203.0.113.7"), held: 1);
        await HoldAsync(server, second, HandDrivenConnection.Get($"/sub/{c}?timeout=60", "X-Forwarded-For: 198.51.100.1, 203.0.113.8", "X-Forwarded-Proto: https"), held: 2);
        await third.SendAsync(HandDrivenConnection.Get($"/sub/{c}?timeout=60", "X-Forwarded-For: 203.0.113.7"));
        var refused = await third.ReadResponseAsync();

        Assert.Equal(429, refused.Status);
        Assert.Equal("urn:hark:problem:too-many-connections", refused.Json.GetProperty("type").GetString());
        Assert.Equal(3, await Direct(server));
    }

    [Fact]
    public async Task ForwardedFor_FromAnUntrustedProxy_IsIgnored()
    {
        await using var server = await HarkTestServer.StartAsync(output, "Hark:Limits:MaxHeldPerAddress=1", "ForwardedHeaders:KnownProxies:0=192.0.2.1");
        var c = HarkTestServer.NewChannel();
        await using var first = await HandDrivenConnection.OpenAsync(server.Address);
        await using var second = await HandDrivenConnection.OpenAsync(server.Address);

        await HoldAsync(server, first, HandDrivenConnection.Get($"/sub/{c}?timeout=60", "X-Forwarded-For: 203.0.113.7"), held: 1);
        await second.SendAsync(HandDrivenConnection.Get($"/sub/{c}?timeout=60", "X-Forwarded-For: 203.0.113.8"));
        var refused = await second.ReadResponseAsync();

        // Both count as 127.0.0.1, the connection's address, as the pipeline would count them.
        Assert.Equal(429, refused.Status);
        Assert.Equal("urn:hark:problem:too-many-connections", refused.Json.GetProperty("type").GetString());
        Assert.Equal(2, await Direct(server));
    }
}
