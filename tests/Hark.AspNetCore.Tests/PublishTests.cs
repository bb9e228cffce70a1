using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hark.AspNetCore.Tests.Infrastructure;

namespace Hark.AspNetCore.Tests;

public sealed class PublishTests(ITestOutputHelper output) : ServerTest(output)
{
    private async Task<JsonElement> OldestAsync(string c) => await Server.PollAsync($"/sub/{c}?cursor=oldest&timeout=0");

    [Fact]
    public async Task Publish_Text_IsAJsonStringOnTheWire()
    {
        var c = HarkTestServer.NewChannel();
        using var response = await Server.Client.PostAsync($"/pub/{c}", new StringContent("héllo", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var message = (await OldestAsync(c)).GetProperty("messages")[0];
        Assert.Equal("héllo", message.GetProperty("data").GetString());
    }

    [Fact]
    public async Task Publish_FormPostAsCurlSendsIt_IsText()
    {
        var c = HarkTestServer.NewChannel();
        using var response = await Server.Client.PostAsync($"/pub/{c}", new StringContent("hello", Encoding.UTF8, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("hello", (await OldestAsync(c)).GetProperty("messages")[0].GetProperty("data").GetString());
    }

    [Fact]
    public async Task Publish_EventFromHeader_IsKept()
    {
        var c = HarkTestServer.NewChannel();
        var request = new HttpRequestMessage(HttpMethod.Post, $"/pub/{c}") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        request.Headers.Add("Hark-Event", "mail.new");
        using var response = await Server.Client.SendAsync(request);
        Assert.Equal("mail.new", (await OldestAsync(c)).GetProperty("messages")[0].GetProperty("event").GetString());
    }

    [Fact]
    public async Task Publish_Answer_HasChannelSeqCursorSubscribers()
    {
        var c = HarkTestServer.NewChannel();
        var first = await Server.PublishAsync(c, "1");
        var second = await Server.PublishAsync(c, "2");
        Assert.Equal(c, second.GetProperty("channel").GetString());
        Assert.Equal(2, second.GetProperty("seq").GetInt64());
        Assert.EndsWith(":2", second.GetProperty("cursor").GetString());
        Assert.Equal(0, first.GetProperty("subscribers").GetInt32());
    }

    [Fact]
    public async Task PublishBatch_PublishesEveryMessageInOrder()
    {
        var (a, b) = (HarkTestServer.NewChannel(), HarkTestServer.NewChannel());
        var body = $"[{{\"channel\":\"{a}\",\"data\":{{\"x\":1}}}},{{\"channel\":\"{b}\",\"event\":\"e\",\"data\":\"text\"}},{{\"channel\":\"{a}\",\"data\":2}}]";
        using var response = await Server.Client.PostAsync("/pub", new StringContent(body, Encoding.UTF8, "application/json"));
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal([1L, 1, 2], answer.GetProperty("published").EnumerateArray().Select(p => p.GetProperty("seq").GetInt64()));
        Assert.Equal(2, (await OldestAsync(a)).GetProperty("messages").GetArrayLength());
        var textMessage = (await OldestAsync(b)).GetProperty("messages")[0];
        Assert.Equal("text", textMessage.GetProperty("data").GetString());
        Assert.Equal("e", textMessage.GetProperty("event").GetString());
    }

    [Fact]
    public async Task PublishBatch_OneBadItem_PublishesNothing()
    {
        var a = HarkTestServer.NewChannel();
        var body = $"[{{\"channel\":\"{a}\",\"data\":1}},{{\"channel\":\"bad name\",\"data\":2}}]";
        using var response = await Server.Client.PostAsync("/pub", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Message 1", await response.Content.ReadAsStringAsync());
        Assert.Empty((await OldestAsync(a)).GetProperty("messages").EnumerateArray());
    }

    [Fact]
    public async Task ChannelInfo_ShowsHistoryAndCursor()
    {
        var c = HarkTestServer.NewChannel();
        await Server.PublishAsync(c, "1");
        var last = await Server.PublishAsync(c, "22");
        var info = await Server.Client.GetFromJsonAsync<JsonElement>($"/pub/{c}");

        Assert.Equal(2, info.GetProperty("messages").GetInt32());
        Assert.Equal(1, info.GetProperty("firstSeq").GetInt64());
        Assert.Equal(2, info.GetProperty("lastSeq").GetInt64());
        Assert.Equal(last.GetProperty("cursor").GetString(), info.GetProperty("cursor").GetString());
        Assert.True(info.GetProperty("bytes").GetInt64() > 0);
    }

    [Fact]
    public async Task ChannelInfoAndDelete_UnknownChannel_Are404Problems()
    {
        var c = HarkTestServer.NewChannel();
        using var info = await Server.Client.GetAsync($"/pub/{c}");
        using var delete = await Server.Client.DeleteAsync($"/pub/{c}");
        Assert.Equal(HttpStatusCode.NotFound, info.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);
        Assert.Equal("application/problem+json", delete.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task PublisherKeys_RightKeyPublishes_LoopbackWithoutKeyDoesNot()
    {
        await using var server = await HarkTestServer.StartAsync(Output, "Hark:Publish:Keys:0=old-key", "Hark:Publish:Keys:1=new-key");
        var c = HarkTestServer.NewChannel();
        foreach (var key in new[] { "old-key", "new-key" })
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/pub/{c}") { Content = new StringContent("1", Encoding.UTF8, "application/json") };
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            using var response = await server.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
    }
}
