using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Xml.Linq;
using Hark.AspNetCore.Tests.Infrastructure;

namespace Hark.AspNetCore.Tests.Nchan;

public sealed class NchanPublisherTests(ITestOutputHelper output) : ServerTest(output, NchanClient.Settings)
{
    [Fact]
    public async Task Publish_WithNoSubscriber_Is202_WithTheChannelInfoAsPlainText()
    {
        var c = HarkTestServer.NewChannel();
        await NchanClient.PublishOkAsync(Server, c, "one");
        using var response = await NchanClient.PublishAsync(Server, c, "two");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n");
        Assert.Equal(4, lines.Length);
        Assert.Equal("queued messages: 2", lines[0]);
        Assert.Equal("last requested: -1 sec. ago", lines[1]);
        Assert.Equal("active subscribers: 0", lines[2]);
        Assert.Matches("^last message id: [0-9]+:[0-9]+$", lines[3]);

        // The last message id is the id a subscriber gets for that message.
        using var poll = await NchanClient.PollAsync(Server, c, query: "");
        using var second = await NchanClient.PollAsync(Server, c, NchanClient.LastModified(poll), NchanClient.Etag(poll));
        Assert.Equal("last message id: " + NchanClient.Id(second), lines[3]);
    }

    [Fact]
    public async Task Publish_WithPut_AndASubscriberWaiting_Is201_InJson()
    {
        var c = HarkTestServer.NewChannel();
        var poll = NchanClient.PollAsync(Server, c);
        await HarkTestServer.EventuallyAsync(async () => await Server.WaitingSubscribersAsync(c) == 1, "the poll waits");
        using var response = await NchanClient.PublishAsync(Server, c, "hi", accept: "text/json", method: HttpMethod.Put);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("text/json", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Matches("""^\{"messages": 1, "requested": 0, "subscribers": 1, "last_message_id": "[0-9]+:[0-9]+" \}$""", text);
        using var delivered = await poll;
        Assert.Equal("hi", await delivered.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Info_InXml_HasNchansElements()
    {
        var c = HarkTestServer.NewChannel();
        await NchanClient.PublishOkAsync(Server, c, "one");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{NchanClient.Prefix}/pub/{c}");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/xml"));
        using var response = await Server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/xml", response.Content.Headers.ContentType?.MediaType);
        var channel = XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!;
        Assert.Equal("channel", channel.Name.LocalName);
        Assert.Equal(["messages", "requested", "subscribers", "last_message_id"], channel.Elements().Select(e => e.Name.LocalName));
        Assert.Equal("1", channel.Element("messages")!.Value);
        Assert.Equal("0", channel.Element("subscribers")!.Value);
    }

    [Fact]
    public async Task Info_OfAChannelNeverUsed_Is404()
    {
        using var response = await Server.Client.GetAsync($"{NchanClient.Prefix}/pub/{HarkTestServer.NewChannel()}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Delete_AnswersWaitingPollsWith410_And200WithTheInfo_Then404()
    {
        var c = HarkTestServer.NewChannel();
        await NchanClient.PublishOkAsync(Server, c, "one");
        using var first = await NchanClient.PollAsync(Server, c);
        var poll = NchanClient.PollAsync(Server, c, NchanClient.LastModified(first), NchanClient.Etag(first));
        await HarkTestServer.EventuallyAsync(async () => await Server.WaitingSubscribersAsync(c) == 1, "the poll waits");
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"{NchanClient.Prefix}/pub/{c}");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using (var deleted = await Server.Client.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
            var info = JsonDocument.Parse(await deleted.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(1, info.GetProperty("messages").GetInt32());
            Assert.Equal(1, info.GetProperty("subscribers").GetInt32());
        }
        using var gone = await poll;
        Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
        using var again = await Server.Client.DeleteAsync($"{NchanClient.Prefix}/pub/{c}");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task Publish_WithAnEventNameThatIsNotOne_Is400()
    {
        using var response = await NchanClient.PublishAsync(Server, HarkTestServer.NewChannel(), "x", eventName: "no spaces allowed");
        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, "invalid-event");
    }

    [Fact]
    public async Task Publish_ABinaryBody_Is415()
    {
        using var response = await NchanClient.PublishAsync(Server, HarkTestServer.NewChannel(), "x", "application/octet-stream");
        await ProblemAssert.IsAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
    }

    [Fact]
    public async Task PublisherKeys_ApplyAsOnPub()
    {
        await using var server = await HarkTestServer.StartAsync(Output, [.. NchanClient.Settings, "Hark:Publish:Keys:0=secret-key-0123456789"]);
        var c = HarkTestServer.NewChannel();
        using (var none = await NchanClient.PublishAsync(server, c, "x"))
        {
            await ProblemAssert.IsAsync(none, HttpStatusCode.Unauthorized, "missing-key");
        }
        using (var info = await server.Client.GetAsync($"{NchanClient.Prefix}/pub/{c}"))
        {
            await ProblemAssert.IsAsync(info, HttpStatusCode.Unauthorized, "missing-key");
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{NchanClient.Prefix}/pub/{c}") { Content = new StringContent("x") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "secret-key-0123456789");
        using var keyed = await server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, keyed.StatusCode);
    }
}
