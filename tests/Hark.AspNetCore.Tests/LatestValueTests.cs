using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hark.AspNetCore.Tests.Infrastructure;

namespace Hark.AspNetCore.Tests;

/// <summary>Latest-value channels and versioned publishes, over every transport.</summary>
public sealed class LatestValueTests(ITestOutputHelper output) : ServerTest(output, "Hark:History:LatestValueChannels:0=job.*")
{
    private static string NewJob() => "job." + HarkTestServer.NewChannel();

    private Task<HttpResponseMessage> PublishVersionAsync(string channel, string json, string version, bool header = false)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, header ? $"/pub/{channel}" : $"/pub/{channel}?version={Uri.EscapeDataString(version)}")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        if (header)
        {
            request.Headers.Add("Hark-Version", version);
        }
        return Server.Client.SendAsync(request);
    }

    [Fact]
    public async Task LongPoll_LateSubscriberWithoutCursor_GetsCurrentStateAtOnce()
    {
        var c = NewJob();
        await Server.PublishAsync(c, "{\"done\":1}");
        await Server.PublishAsync(c, "{\"done\":2}");
        var answer = await Server.PollAsync($"/sub/{c}?timeout=20").WaitAsync(TimeSpan.FromSeconds(5));
        var messages = answer.GetProperty("messages");
        Assert.Equal(1, messages.GetArrayLength());
        Assert.Equal(2, messages[0].GetProperty("data").GetProperty("done").GetInt32());
        Assert.False(answer.GetProperty("gap").GetBoolean());
    }

    [Fact]
    public async Task LongPoll_LateSubscriberWithoutCursor_OnAHotChannel_GetsCurrentStateAtOnce()
    {
        // Subscribers woken together share a read, and the node then knows the channel's newest position: a new
        // subscriber to a latest-value channel still starts before the newest message, not at it.
        var c = NewJob();
        var cursor = (await Server.PollAsync($"/sub/{c}?timeout=0")).GetProperty("cursor").GetString();
        var held = Enumerable.Range(0, 3).Select(_ => Server.PollAsync($"/sub/{c}?cursor={cursor}&timeout=20")).ToList();
        while (await Server.WaitingSubscribersAsync(c) < 3)
        {
            await Task.Delay(20);
        }
        await Server.PublishAsync(c, "{\"done\":1}");
        await Task.WhenAll(held).WaitAsync(TimeSpan.FromSeconds(10));

        var answer = await Server.PollAsync($"/sub/{c}?timeout=20").WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal([1], answer.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("data").GetProperty("done").GetInt32()));
    }

    [Fact]
    public async Task LongPoll_CursorBehindNewest_GetsNewestWithoutGap()
    {
        var c = NewJob();
        await Server.PublishAsync(c, "1");
        var cursor = (await Server.PollAsync($"/sub/{c}?timeout=0")).GetProperty("cursor").GetString();
        await Server.PublishAsync(c, "2");
        await Server.PublishAsync(c, "3");
        var answer = await Server.PollAsync($"/sub/{c}?cursor={cursor}&timeout=0");
        Assert.Equal([3], answer.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("data").GetInt32()));
        Assert.False(answer.GetProperty("gap").GetBoolean());
    }

    [Fact]
    public async Task Sse_LateSubscriber_GetsCurrentStateFirst()
    {
        var c = NewJob();
        await Server.PublishAsync(c, "{\"state\":\"unpacking\"}");
        var request = new HttpRequestMessage(HttpMethod.Get, $"/sub/{c}");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await Server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        var e = await reader.ReadEventAsync().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("{\"state\":\"unpacking\"}", e!.Data);
    }

    [Fact]
    public async Task Ndjson_LateSubscriber_GetsCurrentStateFirst()
    {
        var c = NewJob();
        await Server.PublishAsync(c, "7");
        var request = new HttpRequestMessage(HttpMethod.Get, $"/sub/{c}");
        request.Headers.Accept.ParseAdd("application/x-ndjson");
        using var response = await Server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var lines = new StreamReader(await response.Content.ReadAsStreamAsync());
        string? line;
        do
        {
            line = await lines.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(5));
        }
        while (line is not null && !line.Contains("\"data\"", StringComparison.Ordinal));
        Assert.Equal(7, JsonDocument.Parse(line!).RootElement.GetProperty("data").GetInt32());
    }

    [Fact]
    public async Task Publish_Version_IsInAnswerAndMessage()
    {
        var c = HarkTestServer.NewChannel();
        using var response = await PublishVersionAsync(c, "{\"n\":1}", "41", header: true);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(41, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64());
        var message = (await Server.PollAsync($"/sub/{c}?cursor=oldest&timeout=0")).GetProperty("messages")[0];
        Assert.Equal(41, message.GetProperty("version").GetInt64());
        Assert.Equal(["channel", "seq", "cursor", "time", "version", "data"], message.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Publish_OlderVersion_Is409AndNeverReplacesNewerState()
    {
        var c = NewJob();
        using var newer = await PublishVersionAsync(c, "\"installing\"", "5");
        using var older = await PublishVersionAsync(c, "\"downloading\"", "4");
        var problem = await ProblemAssert.IsAsync(older, HttpStatusCode.Conflict, "stale-version");
        Assert.Equal(5, problem.GetProperty("version").GetInt64());
        Assert.Equal(c, problem.GetProperty("channel").GetString());
        var answer = await Server.PollAsync($"/sub/{c}?timeout=0");
        Assert.Equal(["installing"], answer.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("data").GetString()));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("abc")]
    [InlineData("99999999999999999999")]
    public async Task Publish_BadVersion_Is400(string version)
    {
        using var response = await PublishVersionAsync(HarkTestServer.NewChannel(), "1", version);
        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, "invalid-version");
    }

    [Fact]
    public async Task PublishBatch_StaleItems_AreMarkedAndOthersPublished()
    {
        var c = NewJob();
        var body = $"[{{\"channel\":\"{c}\",\"data\":\"a\",\"version\":2}},{{\"channel\":\"{c}\",\"data\":\"b\",\"version\":1}},{{\"channel\":\"{c}\",\"data\":\"c\",\"version\":3}}]";
        using var response = await Server.Client.PostAsync("/pub", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var published = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("published");
        Assert.Equal([false, true, false], published.EnumerateArray().Select(p => p.TryGetProperty("stale", out var s) && s.GetBoolean()));
        var answer = await Server.PollAsync($"/sub/{c}?timeout=0");
        Assert.Equal(["c"], answer.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("data").GetString()));
    }

    [Fact]
    public async Task PublishBatch_NegativeVersion_Is400AndPublishesNothing()
    {
        var c = HarkTestServer.NewChannel();
        var body = $"[{{\"channel\":\"{c}\",\"data\":\"a\"}},{{\"channel\":\"{c}\",\"data\":\"b\",\"version\":-3}}]";
        using var response = await Server.Client.PostAsync("/pub", new StringContent(body, Encoding.UTF8, "application/json"));
        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, "invalid-version");
        Assert.Equal(0, (await Server.PollAsync($"/sub/{c}?cursor=oldest&timeout=0")).GetProperty("messages").GetArrayLength());
    }
}
