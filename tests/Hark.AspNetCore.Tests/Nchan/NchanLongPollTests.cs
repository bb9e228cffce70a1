using System.Net;
using System.Text.Json;
using Hark.AspNetCore.Tests.Infrastructure;

namespace Hark.AspNetCore.Tests.Nchan;

public sealed class NchanLongPollTests(ITestOutputHelper output) : ServerTest(output, NchanClient.Settings)
{
    [Fact]
    public async Task Poll_AnswersThePayloadAsItIs_WithItsIdInLastModifiedAndEtag()
    {
        var c = HarkTestServer.NewChannel();
        await NchanClient.PublishOkAsync(Server, c, "hello there");
        await NchanClient.PublishOkAsync(Server, c, """{"a": [1, 2]}""", "application/json");

        using var first = await NchanClient.PollAsync(Server, c);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("hello there", await first.Content.ReadAsStringAsync());
        Assert.Equal("text/plain", first.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", first.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.NotNull(NchanClient.LastModified(first));
        Assert.NotNull(NchanClient.Etag(first));

        using var second = await NchanClient.PollAsync(Server, c, NchanClient.LastModified(first), NchanClient.Etag(first));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("""{"a":[1,2]}""", await second.Content.ReadAsStringAsync());
        Assert.Equal("application/json", second.Content.Headers.ContentType?.MediaType);
        Assert.NotEqual(NchanClient.Etag(first), NchanClient.Etag(second));
    }

    [Fact]
    public async Task Poll_HeldUntilAPublish_ThenAnswersIt()
    {
        var c = HarkTestServer.NewChannel();
        await NchanClient.PublishOkAsync(Server, c, "one");
        using var first = await NchanClient.PollAsync(Server, c);
        var poll = NchanClient.PollAsync(Server, c, NchanClient.LastModified(first), NchanClient.Etag(first));
        await HarkTestServer.EventuallyAsync(async () => await Server.WaitingSubscribersAsync(c) == 1, "the poll waits");
        using (var published = await NchanClient.PublishAsync(Server, c, "two"))
        {
            // A subscriber was there: Nchan's 201 Created.
            Assert.Equal(HttpStatusCode.Created, published.StatusCode);
        }
        using var second = await poll;
        Assert.Equal("two", await second.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Poll_AtTheHoldTimeout_Is408WithThePosition_FromWhichTheNextPollMissesNothing()
    {
        await using var server = await HarkTestServer.StartAsync(Output, NchanClient.QuickTimeout);
        var c = HarkTestServer.NewChannel();
        await NchanClient.PublishOkAsync(server, c, "one");
        using var first = await NchanClient.PollAsync(server, c);
        using var timedOut = await NchanClient.PollAsync(server, c, NchanClient.LastModified(first), NchanClient.Etag(first));
        Assert.Equal(HttpStatusCode.RequestTimeout, timedOut.StatusCode);
        Assert.Equal(NchanClient.Etag(first), NchanClient.Etag(timedOut));
        Assert.Equal(NchanClient.LastModified(first), NchanClient.LastModified(timedOut));

        // Published between two polls: kept, and the next poll from the 408's id gets it.
        await NchanClient.PublishOkAsync(server, c, "two");
        using var next = await NchanClient.PollAsync(server, c, NchanClient.LastModified(timedOut), NchanClient.Etag(timedOut));
        Assert.Equal("two", await next.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Poll_WithoutAnId_StartsAtTheOldestMessage_AsNchanDoesByDefault()
    {
        var c = HarkTestServer.NewChannel();
        await NchanClient.PublishOkAsync(Server, c, "one");
        await NchanClient.PublishOkAsync(Server, c, "two");
        using var first = await NchanClient.PollAsync(Server, c);
        Assert.Equal("one", await first.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Poll_AcceptingMultipartMixed_GetsEveryWaitingMessageAsParts()
    {
        await using var server = await HarkTestServer.StartAsync(Output, NchanClient.QuickTimeout);
        var c = HarkTestServer.NewChannel();
        await NchanClient.PublishOkAsync(server, c, "one");
        await NchanClient.PublishOkAsync(server, c, """{"n":2}""", "application/json");
        await NchanClient.PublishOkAsync(server, c, "three");

        using var all = await NchanClient.PollAsync(server, c, accept: "multipart/mixed");
        Assert.Equal("multipart/mixed", all.Content.Headers.ContentType?.MediaType);
        var boundary = all.Content.Headers.ContentType!.Parameters.Single(p => p.Name == "boundary").Value!;
        var body = await all.Content.ReadAsStringAsync();
        var parts = body.Split("--" + boundary);
        Assert.Equal("", parts[0]);
        Assert.Equal("--\r\n", parts[^1]);
        Assert.Equal(["\r\nContent-Type: text/plain; charset=utf-8\r\n\r\none\r\n", "\r\nContent-Type: application/json\r\n\r\n{\"n\":2}\r\n",
            "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nthree\r\n"], parts[1..^1]);

        // The headers carry the last part's id: nothing more after it.
        using var after = await NchanClient.PollAsync(server, c, NchanClient.LastModified(all), NchanClient.Etag(all));
        Assert.Equal(HttpStatusCode.RequestTimeout, after.StatusCode);
    }

    [Fact]
    public async Task Poll_FromAnIdWhoseMessagesWereEvicted_SaysSoInXHarkGap_AndCountsIt()
    {
        await using var server = await HarkTestServer.StartAsync(Output, [.. NchanClient.Settings, "Hark:History:MaxMessages=2"]);
        var c = HarkTestServer.NewChannel();
        await NchanClient.PublishOkAsync(server, c, "one");
        using var first = await NchanClient.PollAsync(server, c);
        foreach (var text in new[] { "two", "three", "four" })
        {
            await NchanClient.PublishOkAsync(server, c, text);
        }
        using var next = await NchanClient.PollAsync(server, c, NchanClient.LastModified(first), NchanClient.Etag(first));
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal("three", await next.Content.ReadAsStringAsync());
        Assert.Equal("evicted; missed=1", next.Headers.GetValues("X-Hark-Gap").Single());

        var metrics = await server.ScrapeAsync();
        Assert.Equal(1, metrics.Value("hark_gaps_total", ("hark_gap_reason", "evicted"), ("hark_door", "nchan"), ("hark_transport", "longpoll")));
    }

    [Theory]
    [InlineData("If-None-Match", "garbage")]
    [InlineData("If-None-Match", "1733240000:[0],1")]
    [InlineData("If-Modified-Since", "yesterday")]
    [InlineData("Last-Event-ID", "abc:def")]
    [InlineData("Last-Event-ID", "99999999999999999999:1")]
    public async Task Poll_WithAnIdThatIsNotOne_Is400(string header, string value)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{NchanClient.Prefix}/sub/{HarkTestServer.NewChannel()}");
        request.Headers.TryAddWithoutValidation(header, value);
        using var response = await Server.Client.SendAsync(request);
        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, "invalid-message-id");
    }

    [Fact]
    public async Task Poll_WithALastEventIdQueryThatIsNotAnId_Is400()
    {
        using var response = await Server.Client.GetAsync($"{NchanClient.Prefix}/sub/{HarkTestServer.NewChannel()}?last_event_id=%3Cscript%3E");
        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, "invalid-message-id");
    }

    [Fact]
    public async Task Poll_WithAnIdFromAnotherServer_StartsAgainFromTheOldest_WithAResetGap()
    {
        var c = HarkTestServer.NewChannel();
        await NchanClient.PublishOkAsync(Server, c, "one");
        // A real Nchan id: its check is not this server's, so it names no position here.
        using var response = await NchanClient.PollAsync(Server, c, query: "?last_event_id=1733240000:0");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("one", await response.Content.ReadAsStringAsync());
        Assert.Equal("reset", response.Headers.GetValues("X-Hark-Gap").Single());
    }

    [Fact]
    public async Task Poll_WithAnIdWhoseInstanceCheckIsNotThisServers_IsNotReadAsAPosition()
    {
        var c = HarkTestServer.NewChannel();
        await NchanClient.PublishOkAsync(Server, c, "one");
        await NchanClient.PublishOkAsync(Server, c, "two");
        using var first = await NchanClient.PollAsync(Server, c);
        // The same time and seq with another check: another instance's history (the memory engine's before a restart, say).
        var tag = long.Parse(NchanClient.Etag(first)!, System.Globalization.CultureInfo.InvariantCulture);
        var foreign = (tag / 100_000 * 100_000 + (tag % 100_000 + 1) % 100_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var response = await NchanClient.PollAsync(Server, c, NchanClient.LastModified(first), foreign);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("one", await response.Content.ReadAsStringAsync());
        Assert.Equal("reset", response.Headers.GetValues("X-Hark-Gap").Single());
    }

    [Fact]
    public async Task Poll_OfAChannelNameThatIsNotOne_Is400()
    {
        using var response = await Server.Client.GetAsync($"{NchanClient.Prefix}/sub/a,b");
        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, "invalid-channel");
    }

    [Fact]
    public async Task PublishedThroughHark_ReachesAnNchanPoll_AndTheOtherWayRound()
    {
        var c = HarkTestServer.NewChannel();
        var cursor = await Server.NowAsync(c);
        await Server.PublishAsync(c, """{"from":"hark"}""");
        using var nchan = await NchanClient.PollAsync(Server, c);
        Assert.Equal("""{"from":"hark"}""", await nchan.Content.ReadAsStringAsync());

        await NchanClient.PublishOkAsync(Server, c, "from nchan", eventName: "note");
        var hark = await Server.PollAsync($"/sub/{c}?cursor={cursor}&timeout=0");
        var messages = hark.GetProperty("messages");
        Assert.Equal(2, messages.GetArrayLength());
        Assert.Equal("from nchan", messages[1].GetProperty("data").GetString());
        Assert.Equal("note", messages[1].GetProperty("event").GetString());

        // The id of the Nchan door and the cursor of Hark's name the same place.
        using var next = await NchanClient.PollAsync(Server, c, NchanClient.LastModified(nchan), NchanClient.Etag(nchan));
        Assert.Equal("from nchan", await next.Content.ReadAsStringAsync());
        Assert.Equal(JsonValueKind.String, messages[1].GetProperty("cursor").ValueKind);
    }

    [Fact]
    public async Task Subscribe_NewestFirstMessage_GetsOnlyWhatIsPublishedAfter()
    {
        await using var server = await HarkTestServer.StartAsync(Output, [.. NchanClient.Settings, "Hark:Nchan:SubscriberFirstMessage=newest"]);
        var c = HarkTestServer.NewChannel();
        await NchanClient.PublishOkAsync(server, c, "before");
        var poll = NchanClient.PollAsync(server, c);
        await HarkTestServer.EventuallyAsync(async () => await server.WaitingSubscribersAsync(c) == 1, "the poll waits");
        await NchanClient.PublishOkAsync(server, c, "after");
        using var response = await poll;
        Assert.Equal("after", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Subscribe_MinusOneFirstMessage_StartsWithTheNewestMessage()
    {
        await using var server = await HarkTestServer.StartAsync(Output, [.. NchanClient.Settings, "Hark:Nchan:SubscriberFirstMessage=-1"]);
        var c = HarkTestServer.NewChannel();
        await NchanClient.PublishOkAsync(server, c, "older");
        await NchanClient.PublishOkAsync(server, c, "newest");
        using var response = await NchanClient.PollAsync(server, c);
        Assert.Equal("newest", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("Hark:Nchan:SubscriberFirstMessage=3", "Hark:Nchan:SubscriberFirstMessage")]
    [InlineData("Hark:Nchan:Prefix=/", "Hark:Nchan:Prefix")]
    public async Task Start_WithANchanSettingThatIsNotOne_FailsWithItsName(string setting, string name)
    {
        var e = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => HarkTestServer.StartAsync(Output, [.. NchanClient.Settings, setting]));
        Assert.Contains(name, e.Message);
    }
}
