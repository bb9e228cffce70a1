using System.Net;
using System.Text.Json;
using Hark.AspNetCore.Tests.Infrastructure;

namespace Hark.AspNetCore.Tests;

public sealed class NdjsonTests(ITestOutputHelper output) : ServerTest(output, "Hark:Streams:HeartbeatInterval=00:00:00.300")
{
    private async Task<(HttpResponseMessage, StreamReader)> OpenAsync(string query)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, query);
        request.Headers.Accept.ParseAdd("application/x-ndjson");
        var response = await Server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        return (response, new StreamReader(await response.Content.ReadAsStreamAsync()));
    }

    private static async Task<JsonElement> NextObjectAsync(StreamReader reader)
    {
        using var cts = new CancellationTokenSource(HarkTestServer.Patience);
        while (true)
        {
            var line = await reader.ReadLineAsync(cts.Token) ?? throw new EndOfStreamException();
            if (line.Length > 0)
            {
                var element = JsonDocument.Parse(line).RootElement.Clone();
                if (element.EnumerateObject().Select(p => p.Name).SequenceEqual(["cursor"]))
                {
                    // The opening line: the starting cursor.
                    continue;
                }
                return element;
            }
        }
    }

    [Fact]
    public async Task Ndjson_OneMessagePerLine_WithResumableCursors()
    {
        var (a, b) = (HarkTestServer.NewChannel(), HarkTestServer.NewChannel());
        var (response, reader) = await OpenAsync($"/sub/{a},{b}");
        using var _ = response;
        using var __ = reader;

        await Server.PublishAsync(a, "1");
        await Server.PublishAsync(b, "2");
        var first = await NextObjectAsync(reader);
        var second = await NextObjectAsync(reader);

        Assert.Equal(a, first.GetProperty("channel").GetString());
        Assert.Equal(b, second.GetProperty("channel").GetString());
        var resumed = await Server.PollAsync($"/sub/{a},{b}?cursor={first.GetProperty("cursor").GetString()}&timeout=0");
        Assert.Equal("2", Assert.Single(resumed.GetProperty("messages").EnumerateArray()).GetProperty("data").ToString());
    }

    [Fact]
    public async Task Ndjson_Idle_SendsEmptyLinesAsHeartbeats()
    {
        var (response, reader) = await OpenAsync($"/sub/{HarkTestServer.NewChannel()}");
        using var _ = response;
        using var __ = reader;
        using var cts = new CancellationTokenSource(HarkTestServer.Patience);
        Assert.StartsWith("{\"cursor\":\"", await reader.ReadLineAsync(cts.Token));
        Assert.Equal("", await reader.ReadLineAsync(cts.Token));
        Assert.Equal("", await reader.ReadLineAsync(cts.Token));
    }

    [Fact]
    public async Task Ndjson_ChannelDeleted_SendsClosedLineAndEnds()
    {
        var c = HarkTestServer.NewChannel();
        var (response, reader) = await OpenAsync($"/sub/{c}");
        using var _ = response;
        using var __ = reader;
        await Server.PublishAsync(c, "1");
        await NextObjectAsync(reader);

        using var deleted = await Server.Client.DeleteAsync($"/pub/{c}");
        var closed = await NextObjectAsync(reader);

        Assert.True(closed.GetProperty("closed").GetBoolean());
        await Assert.ThrowsAsync<EndOfStreamException>(() => NextObjectAsync(reader));
    }
}
