using System.Text.Json;
using Hark.AspNetCore.Tests.Infrastructure;
using Hark.Cli;

namespace Hark.AspNetCore.Tests.Client;

/// <summary>The hark command, run in-process against a real server.</summary>
public sealed class CliTests(ITestOutputHelper output) : ServerTest(output)
{
    private async Task<(int Code, string Out, string Err)> RunAsync(string stdin, params string[] args)
    {
        using var outWriter = new StringWriter();
        using var errWriter = new StringWriter();
        using var cts = new CancellationTokenSource(HarkTestServer.Patience);
        var code = await HarkCommand.RunAsync(args, new StringReader(stdin), outWriter, errWriter, cts.Token);
        Output.WriteLine($"hark {string.Join(' ', args)} -> {code}\n{outWriter}\n{errWriter}");
        return (code, outWriter.ToString(), errWriter.ToString());
    }

    private string Url => Server.Address.ToString();

    [Fact]
    public async Task PubSubInfo_EndToEnd()
    {
        var c = HarkTestServer.NewChannel();

        var pub = await RunAsync("", "pub", c, "hello", "--url", Url, "--event", "greet");
        var piped = await RunAsync("{\"n\":2}", "pub", c, "-", "--json", "--url", Url);
        var sub = await RunAsync("", "sub", c, "--cursor", "oldest", "--count", "2", "--format", "text", "--url", Url);
        var subJson = await RunAsync("", "sub", c, "--cursor", "oldest", "--count", "1", "--url", Url);
        var info = await RunAsync("", "info", c, "--url", Url);

        Assert.Equal(0, pub.Code);
        Assert.Equal(1, JsonDocument.Parse(pub.Out).RootElement.GetProperty("seq").GetInt64());
        Assert.Equal(0, piped.Code);
        Assert.Equal(["hello", "{\"n\":2}"], sub.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("greet", JsonDocument.Parse(subJson.Out).RootElement.GetProperty("event").GetString());
        Assert.Equal(2, JsonDocument.Parse(info.Out).RootElement.GetProperty("messages").GetInt32());
    }

    [Fact]
    public async Task Sub_WithOutputRedirected_ShowsAStatusLine()
    {
        var c = HarkTestServer.NewChannel();
        await RunAsync("", "pub", c, "x", "--url", Url);
        using var outWriter = new StringWriter();
        using var errWriter = new StringWriter();
        var code = await HarkCommand.RunAsync(["sub", c, "--cursor", "oldest", "--count", "1", "--url", Url], new StringReader(""), outWriter, errWriter, showStatus: true, default);
        Assert.Equal(0, code);
        Assert.Contains($"1 received, last: {c} #1", errWriter.ToString());
    }

    [Fact]
    public async Task Sub_WaitsForNewMessages()
    {
        var c = HarkTestServer.NewChannel();
        var sub = RunAsync("", "sub", c, "--count", "1", "--format", "text", "--url", Url);
        await HarkTestServer.EventuallyAsync(async () => await Server.WaitingSubscribersAsync(c) == 1, "the subscriber waits");
        await RunAsync("", "pub", c, "late news", "--url", Url);
        Assert.Equal("late news", (await sub.WaitAsync(HarkTestServer.Patience)).Out.Trim());
    }

    [Theory]
    [InlineData("ws")]
    [InlineData("stream")]
    public async Task Sub_OverATransport_ResumesFromTheCursor_ThenWaitsForNewMessages(string transport)
    {
        var c = HarkTestServer.NewChannel();
        var first = await RunAsync("", "pub", c, "first", "--url", Url);
        var cursor = JsonDocument.Parse(first.Out).RootElement.GetProperty("cursor").GetString()!;
        await RunAsync("", "pub", c, "missed", "--url", Url);
        var sub = RunAsync("", "sub", c, "--cursor", cursor, "--count", "2", "--format", "text", "--transport", transport, "--url", Url);
        await HarkTestServer.EventuallyAsync(async () => await Server.WaitingSubscribersAsync(c) == 1, "the subscriber waits");
        await RunAsync("", "pub", c, "late news", "--url", Url);

        var result = await sub.WaitAsync(HarkTestServer.Patience);

        Assert.Equal(0, result.Code);
        Assert.Equal(["missed", "late news"], result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(transport == "ws" ? "over a WebSocket" : "over an NDJSON stream", result.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "pub" }, 2)]
    [InlineData(new[] { "sub", "c", "--transport", "carrier-pigeon" }, 2)]
    [InlineData(new[] { "frobnicate" }, 2)]
    [InlineData(new[] { "sub", "c", "--format", "xml" }, 2)]
    [InlineData(new[] { "pub", "c", "not json", "--json" }, 2)]
    [InlineData(new[] { "pub", "bad name!", "x" }, 1)]
    [InlineData(new[] { "info", "nothing-here" }, 1)]
    public async Task Errors_HaveClearMessagesAndExitCodes(string[] args, int code)
    {
        var result = await RunAsync("", [.. args, "--url", Url]);
        Assert.Equal(code, result.Code);
        Assert.False(string.IsNullOrWhiteSpace(result.Err));
    }

    [Fact]
    public async Task UnreachableServer_ExitsThree()
    {
        var result = await RunAsync("", "pub", "c", "x", "--url", "http://127.0.0.1:1");
        Assert.Equal(3, result.Code);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("pub", "--help")]
    [InlineData("sub", "--help")]
    [InlineData("info", "--help")]
    public async Task Help_IsPrintedForEachCommand(params string[] args)
    {
        var result = await RunAsync("", args);
        Assert.Equal(0, result.Code);
        Assert.Contains("usage", result.Out);
    }
}
