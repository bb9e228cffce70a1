using System.Net;
using System.Text.Json;
using Hark.AspNetCore.Tests.Infrastructure;

namespace Hark.AspNetCore.Tests;

public sealed class ServerSentEventsTests(ITestOutputHelper output) : ServerTest(output, "Hark:Streams:HeartbeatInterval=00:00:00.300", "Hark:History:MaxMessages=5")
{
    private async Task<(HttpResponseMessage Response, SseReader Reader)> OpenAsync(string query, string? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, query);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }
        var response = await Server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        var first = await reader.ReadAsync();
        Assert.True(first!.IsComment, "the stream opens with a comment so browsers fire 'open'");
        return (response, reader);
    }

    [Fact]
    public async Task Sse_Message_HasCursorIdEventNameAndPayload()
    {
        var c = HarkTestServer.NewChannel();
        var (response, reader) = await OpenAsync($"/sub/{c}");
        using var _ = response;
        using var __ = reader;
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-cache", response.Headers.CacheControl?.ToString());

        var published = await Server.PublishAsync(c, "{\"a\":1}", "update");
        var e = await reader.ReadEventAsync();

        Assert.Equal(published.GetProperty("cursor").GetString(), e!.Id);
        Assert.Equal("update", e.Event);
        Assert.Equal("{\"a\":1}", e.Data);
    }

    [Fact]
    public async Task Sse_UnnamedTextMessage_HasNoEventLine_AndKeepsItsLines()
    {
        var c = HarkTestServer.NewChannel();
        var (response, reader) = await OpenAsync($"/sub/{c}");
        using var _ = response;
        using var __ = reader;

        using var published = await Server.Client.PostAsync($"/pub/{c}", new StringContent("line one\nline two", System.Text.Encoding.UTF8, "text/plain"));
        var e = await reader.ReadEventAsync();

        Assert.Null(e!.Event);
        Assert.Equal("line one\nline two", e.Data);
    }

    [Fact]
    public async Task Sse_SmallAndLargeEventsOnTwoChannels_ArriveWholeWithTheSubscriptionsCursor()
    {
        // Small events are written in one piece, large ones field by field; both carry the multi-channel cursor.
        var (a, b) = (HarkTestServer.NewChannel(), HarkTestServer.NewChannel());
        var (response, reader) = await OpenAsync($"/sub/{a},{b}");
        using var _ = response;
        using var __ = reader;
        var large = new string('x', 20_000);

        await Server.PublishAsync(a, "{\"n\":1}", "small");
        await Server.PublishAsync(b, JsonSerializer.Serialize(new { text = large }), "large");
        await Server.PublishAsync(a, "{\"n\":3}");
        var events = new[] { await reader.ReadEventAsync(), await reader.ReadEventAsync(), await reader.ReadEventAsync() };

        Assert.Equal(["small", "large", null], events.Select(e => e!.Event));
        Assert.Equal("{\"n\":1}", events[0]!.Data);
        Assert.Equal(large, JsonDocument.Parse(events[1]!.Data).RootElement.GetProperty("text").GetString());
        Assert.Equal("{\"n\":3}", events[2]!.Data);
        // Each id is the cursor for both channels after its event: resuming from the large one gets only the third.
        var messages = (await Server.PollAsync($"/sub/{a},{b}?cursor={Uri.EscapeDataString(events[1]!.Id!)}&timeout=1")).GetProperty("messages");
        Assert.Equal(1, messages.GetArrayLength());
        Assert.Equal(3, messages[0].GetProperty("data").GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task Sse_Envelope_SendsTheWholeMessageObject()
    {
        var c = HarkTestServer.NewChannel();
        var (response, reader) = await OpenAsync($"/sub/{c}?envelope=1");
        using var _ = response;
        using var __ = reader;

        await Server.PublishAsync(c, "[1,2]", "named");
        var e = await reader.ReadEventAsync();
        var message = JsonDocument.Parse(e!.Data).RootElement;

        Assert.Null(e.Event);
        Assert.Equal("named", message.GetProperty("event").GetString());
        Assert.Equal(c, message.GetProperty("channel").GetString());
        Assert.Equal(e.Id, message.GetProperty("cursor").GetString());
        Assert.Equal(2, message.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Sse_ResumeWithLastEventId_AfterADroppedConnection_LosesNothing()
    {
        var c = HarkTestServer.NewChannel();
        var (response, reader) = await OpenAsync($"/sub/{c}");
        await Server.PublishAsync(c, "1");
        await Server.PublishAsync(c, "2");
        var first = await reader.ReadEventAsync();
        var second = await reader.ReadEventAsync();
        Assert.Equal(["1", "2"], new[] { first!.Data, second!.Data });

        reader.Dispose();
        response.Dispose();
        await HarkTestServer.EventuallyAsync(async () => await Server.WaitingSubscribersAsync(c) == 0, "the dropped stream is gone");
        foreach (var n in new[] { "3", "4", "5" })
        {
            await Server.PublishAsync(c, n);
        }

        // The browser reconnects to the same URL with the last id it saw.
        var (again, resumed) = await OpenAsync($"/sub/{c}", lastEventId: second.Id);
        using var _ = again;
        using var __ = resumed;
        var received = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            received.Add((await resumed.ReadEventAsync())!.Data);
        }
        Assert.Equal(["3", "4", "5"], received);
        await Server.PublishAsync(c, "6");
        Assert.Equal("6", (await resumed.ReadEventAsync())!.Data);
    }

    [Fact]
    public async Task Sse_DroppedBeforeTheFirstMessage_ResumesFromWhereItBegan()
    {
        var c = HarkTestServer.NewChannel();
        var request = new HttpRequestMessage(HttpMethod.Get, $"/sub/{c}");
        request.Headers.Accept.ParseAdd("text/event-stream");
        var response = await Server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        var opening = await reader.ReadAsync();
        Assert.False(string.IsNullOrEmpty(opening!.Id), "the opening block carries the starting cursor as id:");

        reader.Dispose();
        response.Dispose();
        await Server.PublishAsync(c, "1");
        await Server.PublishAsync(c, "2");

        var (again, resumed) = await OpenAsync($"/sub/{c}", lastEventId: opening.Id);
        using var _ = again;
        using var __ = resumed;
        Assert.Equal("1", (await resumed.ReadEventAsync())!.Data);
        Assert.Equal("2", (await resumed.ReadEventAsync())!.Data);
    }

    [Fact]
    public async Task Sse_Idle_SendsHeartbeatComments()
    {
        var (response, reader) = await OpenAsync($"/sub/{HarkTestServer.NewChannel()}");
        using var _ = response;
        using var __ = reader;
        var heartbeat = await reader.ReadAsync(TimeSpan.FromSeconds(10));
        Assert.True(heartbeat!.IsComment);
    }

    [Fact]
    public async Task Sse_CursorBehindHistory_SendsAGapEventFirst()
    {
        var c = HarkTestServer.NewChannel();
        var cursor = await Server.NowAsync(c);
        for (var i = 1; i <= 7; i++)
        {
            await Server.PublishAsync(c, i.ToString());
        }
        var (response, reader) = await OpenAsync($"/sub/{c}?cursor={cursor}");
        using var _ = response;
        using var __ = reader;

        var gap = await reader.ReadEventAsync();
        var next = await reader.ReadEventAsync();

        Assert.Equal("gap", gap!.Event);
        Assert.Equal("evicted", JsonDocument.Parse(gap.Data).RootElement.GetProperty("gaps")[0].GetProperty("reason").GetString());
        Assert.Equal("3", next!.Data);
    }

    [Fact]
    public async Task Sse_ChannelDeleted_SendsClosedAndEnds()
    {
        var c = HarkTestServer.NewChannel();
        var (response, reader) = await OpenAsync($"/sub/{c}");
        using var _ = response;
        using var __ = reader;
        await HarkTestServer.EventuallyAsync(async () => await Server.WaitingSubscribersAsync(c) == 1, "the stream waits");

        using var deleted = await Server.Client.DeleteAsync($"/pub/{c}");
        var closed = await reader.ReadEventAsync();

        Assert.Equal("closed", closed!.Event);
        Assert.Null(await reader.ReadEventAsync());
    }

    [Fact]
    public async Task Sse_SelectedByTransportQuery_WithoutAcceptHeader()
    {
        using var response = await Server.Client.GetAsync($"/sub/{HarkTestServer.NewChannel()}?transport=sse", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
    }
}
