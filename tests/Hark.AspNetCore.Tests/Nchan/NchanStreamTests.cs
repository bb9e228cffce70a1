using System.Net;
using System.Net.WebSockets;
using System.Text;
using Hark.AspNetCore.Tests.Infrastructure;

namespace Hark.AspNetCore.Tests.Nchan;

public sealed class NchanStreamTests(ITestOutputHelper output) : ServerTest(output, NchanClient.Settings)
{
    private async Task<(HttpResponseMessage Response, SseReader Reader)> OpenEventSourceAsync(string channel, string? lastEventId = null, string query = "")
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"{NchanClient.Prefix}/sub/{channel}{query}");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }
        var response = await Server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return (response, new SseReader(await response.Content.ReadAsStreamAsync()));
    }

    [Fact]
    public async Task EventSource_IdIsTheNchanId_EventIsXEventSourceEvent_AndLastEventIdResumesExactly()
    {
        var c = HarkTestServer.NewChannel();
        await NchanClient.PublishOkAsync(Server, c, "one");
        await NchanClient.PublishOkAsync(Server, c, "two", eventName: "tick");
        string firstId;
        var (response, reader) = await OpenEventSourceAsync(c);
        using (response)
        using (reader)
        {
            var first = await reader.ReadEventAsync();
            Assert.Equal("one", first!.Data);
            Assert.Null(first.Event);
            Assert.Matches("^[0-9]+:[0-9]+$", first.Id);
            firstId = first.Id!;
            var second = await reader.ReadEventAsync();
            Assert.Equal(("two", "tick"), (second!.Data, second.Event));
        }

        // The long-poll's id of the first message is the same id.
        using var poll = await NchanClient.PollAsync(Server, c);
        Assert.Equal(firstId, NchanClient.Id(poll));

        var (again, resumed) = await OpenEventSourceAsync(c, firstId);
        using (again)
        using (resumed)
        {
            Assert.Equal("two", (await resumed.ReadEventAsync())!.Data);
        }
        var (byQuery, fromQuery) = await OpenEventSourceAsync(c, query: "?last_event_id=" + Uri.EscapeDataString(firstId));
        using (byQuery)
        using (fromQuery)
        {
            Assert.Equal("two", (await fromQuery.ReadEventAsync())!.Data);
        }
    }

    [Fact]
    public async Task EventSource_OpensWithAnIdOfWhereItStands_SoAReconnectBeforeAnyMessageMissesNothing()
    {
        var c = HarkTestServer.NewChannel();
        await NchanClient.PublishOkAsync(Server, c, "seen before");
        using var seen = await NchanClient.PollAsync(Server, c);
        string openId;
        var (response, reader) = await OpenEventSourceAsync(c, NchanClient.Id(seen));
        using (response)
        using (reader)
        {
            var open = await reader.ReadAsync();
            Assert.True(open!.IsComment);
            // Where it stands: right after the message it resumed from.
            Assert.Equal(NchanClient.Id(seen), open.Id);
            openId = open.Id!;
        }
        await NchanClient.PublishOkAsync(Server, c, "while away");
        var (again, resumed) = await OpenEventSourceAsync(c, openId);
        using (again)
        using (resumed)
        {
            Assert.Equal("while away", (await resumed.ReadEventAsync())!.Data);
        }
    }

    [Fact]
    public async Task EventSource_WithALastEventIdThatIsNotAnId_Is400()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{NchanClient.Prefix}/sub/{HarkTestServer.NewChannel()}");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("Last-Event-ID", "mx7v3hhg-2:0");
        using var response = await Server.Client.SendAsync(request);
        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, "invalid-message-id");
    }

    private async Task<ClientWebSocket> ConnectAsync(string channel, bool meta, string query = "")
    {
        var socket = new ClientWebSocket();
        if (meta)
        {
            socket.Options.AddSubProtocol("ws+meta.nchan");
        }
        var uri = new UriBuilder(Server.Address) { Scheme = "ws", Path = $"{NchanClient.Prefix}/sub/{channel}", Query = query }.Uri;
        using var timeout = new CancellationTokenSource(HarkTestServer.Patience);
        await socket.ConnectAsync(uri, timeout.Token);
        return socket;
    }

    private static async Task<string> ReceiveAsync(ClientWebSocket socket)
    {
        var buffer = new byte[65536];
        using var timeout = new CancellationTokenSource(HarkTestServer.Patience);
        var result = await socket.ReceiveAsync(buffer, timeout.Token);
        Assert.True(result.EndOfMessage);
        Assert.Equal(WebSocketMessageType.Text, result.MessageType);
        return Encoding.UTF8.GetString(buffer, 0, result.Count);
    }

    [Fact]
    public async Task WebSocket_WithWsMetaNchan_PrefixesEachMessageWithItsIdAndContentType()
    {
        var c = HarkTestServer.NewChannel();
        await NchanClient.PublishOkAsync(Server, c, "one");
        using var socket = await ConnectAsync(c, meta: true);
        Assert.Equal("ws+meta.nchan", socket.SubProtocol);
        var first = await ReceiveAsync(socket);
        Assert.Matches("^id: [0-9]+:[0-9]+\ncontent-type: text/plain; charset=utf-8\n\none$", first);
        await NchanClient.PublishOkAsync(Server, c, """{"b":true}""", "application/json");
        Assert.Matches("^id: [0-9]+:[0-9]+\ncontent-type: application/json\n\n\\{\"b\":true\\}$", await ReceiveAsync(socket));

        // Resumed from the first id, as NchanSubscriber.js reconnects (?last_event_id=): the second message, once.
        var id = first.Split('\n')[0]["id: ".Length..];
        using var again = await ConnectAsync(c, meta: true, "last_event_id=" + Uri.EscapeDataString(id));
        Assert.EndsWith("\n\n{\"b\":true}", await ReceiveAsync(again));
    }

    [Fact]
    public async Task WebSocket_Plain_SendsThePayloadsAsTheyAre_AndDeleteClosesWith410()
    {
        var c = HarkTestServer.NewChannel();
        using var socket = await ConnectAsync(c, meta: false);
        Assert.Null(socket.SubProtocol);
        await HarkTestServer.EventuallyAsync(async () => await Server.WaitingSubscribersAsync(c) == 1, "the socket waits");
        await NchanClient.PublishOkAsync(Server, c, "plain");
        Assert.Equal("plain", await ReceiveAsync(socket));

        await HarkTestServer.EventuallyAsync(async () => await Server.WaitingSubscribersAsync(c) == 1, "the socket waits again");
        using (var deleted = await Server.Client.DeleteAsync($"{NchanClient.Prefix}/pub/{c}"))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }
        var buffer = new byte[1024];
        using var timeout = new CancellationTokenSource(HarkTestServer.Patience);
        var close = await socket.ReceiveAsync(buffer, timeout.Token);
        Assert.Equal(WebSocketMessageType.Close, close.MessageType);
        Assert.Equal("410 Gone", socket.CloseStatusDescription);
    }

    [Fact]
    public async Task WebSocket_WithABadId_IsRefusedWith400BeforeTheUpgrade()
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        var uri = new UriBuilder(Server.Address) { Scheme = "ws", Path = $"{NchanClient.Prefix}/sub/{HarkTestServer.NewChannel()}", Query = "last_event_id=nope" }.Uri;
        using var timeout = new CancellationTokenSource(HarkTestServer.Patience);
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(uri, timeout.Token));
        Assert.Equal(HttpStatusCode.BadRequest, socket.HttpStatusCode);
    }

    [Fact]
    public async Task WebSocket_FromAPageOfAnotherOrigin_IsRefusedWith403BeforeTheUpgrade()
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("Origin", "https://elsewhere.example");
        var uri = new UriBuilder(Server.Address) { Scheme = "ws", Path = $"{NchanClient.Prefix}/sub/{HarkTestServer.NewChannel()}" }.Uri;
        using var timeout = new CancellationTokenSource(HarkTestServer.Patience);
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(uri, timeout.Token));
        Assert.Equal(HttpStatusCode.Forbidden, socket.HttpStatusCode);
    }
}
