using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hark.AspNetCore.Tests.Infrastructure;

namespace Hark.AspNetCore.Tests;

public sealed class LongPollTests(ITestOutputHelper output) : ServerTest(output, "Hark:History:MaxMessages=5")
{
    private static string[] Seqs(JsonElement batch) => [.. batch.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("data").ToString())];

    [Fact]
    public async Task Poll_NoCursor_ReturnsEmptyBatchAndNowCursor_AtOnce()
    {
        using var response = await Server.Client.GetAsync($"/sub/{HarkTestServer.NewChannel()}?timeout=0");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Empty(body.GetProperty("messages").EnumerateArray());
        Assert.False(body.GetProperty("gap").GetBoolean());
        Assert.Matches("^[0-9a-z]+-[0-9a-z]+:0$", body.GetProperty("cursor").GetString());
    }

    [Fact]
    public async Task LongPoll_PublishWhileHeld_ReturnsTheMessageAtOnce()
    {
        var c = HarkTestServer.NewChannel();
        var cursor = await Server.NowAsync(c);
        var poll = Server.PollAsync($"/sub/{c}?cursor={cursor}&timeout=30");
        await HarkTestServer.EventuallyAsync(async () => await Server.WaitingSubscribersAsync(c) == 1, "the poll is held");

        var published = await Server.PublishAsync(c, "{\"n\":1}", "greeting");

        var batch = await poll.WaitAsync(HarkTestServer.Patience);
        var message = Assert.Single(batch.GetProperty("messages").EnumerateArray());
        Assert.Equal(c, message.GetProperty("channel").GetString());
        Assert.Equal(1, message.GetProperty("seq").GetInt64());
        Assert.Equal("greeting", message.GetProperty("event").GetString());
        Assert.Equal(1, message.GetProperty("data").GetProperty("n").GetInt32());
        Assert.Equal(published.GetProperty("cursor").GetString(), message.GetProperty("cursor").GetString());
        Assert.Equal(published.GetProperty("cursor").GetString(), batch.GetProperty("cursor").GetString());
        Assert.Equal(1, published.GetProperty("subscribers").GetInt32());
    }

    [Fact]
    public async Task LongPoll_NothingPublished_ReturnsEmptyBatchWithTheSameCursorAtTheTimeout()
    {
        var c = HarkTestServer.NewChannel();
        var cursor = await Server.NowAsync(c);
        var started = DateTime.UtcNow;

        var batch = await Server.PollAsync($"/sub/{c}?cursor={cursor}&timeout=0.5");

        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(400));
        Assert.Empty(batch.GetProperty("messages").EnumerateArray());
        Assert.Equal(cursor, batch.GetProperty("cursor").GetString());
    }

    [Fact]
    public async Task LongPoll_MessagePublishedBetweenPolls_IsDeliveredOnTheNextPoll()
    {
        var c = HarkTestServer.NewChannel();
        var cursor = await Server.NowAsync(c);
        await Server.PublishAsync(c, "1");
        var first = await Server.PollAsync($"/sub/{c}?cursor={cursor}&timeout=5");
        cursor = first.GetProperty("cursor").GetString()!;

        await Server.PublishAsync(c, "2");
        await Server.PublishAsync(c, "3");
        var next = await Server.PollAsync($"/sub/{c}?cursor={cursor}&timeout=5");

        Assert.Equal(["1"], Seqs(first));
        Assert.Equal(["2", "3"], Seqs(next));
    }

    [Fact]
    public async Task LongPoll_OldestAndLast_ReplayHistory()
    {
        var c = HarkTestServer.NewChannel();
        foreach (var n in new[] { "1", "2", "3" })
        {
            await Server.PublishAsync(c, n);
        }
        Assert.Equal(["1", "2", "3"], Seqs(await Server.PollAsync($"/sub/{c}?cursor=oldest&timeout=0")));
        Assert.Equal(["2", "3"], Seqs(await Server.PollAsync($"/sub/{c}?last=2&timeout=0")));
        Assert.Equal(["1", "2"], Seqs(await Server.PollAsync($"/sub/{c}?cursor=oldest&max=2&timeout=0")));
    }

    [Fact]
    public async Task LongPoll_EvictedMessages_AreReportedAsAGapWithWhatRemains()
    {
        var c = HarkTestServer.NewChannel();
        var cursor = await Server.NowAsync(c);
        for (var i = 1; i <= 8; i++)
        {
            await Server.PublishAsync(c, i.ToString());
        }
        var batch = await Server.PollAsync($"/sub/{c}?cursor={cursor}&timeout=0");

        Assert.True(batch.GetProperty("gap").GetBoolean());
        var gap = Assert.Single(batch.GetProperty("gaps").EnumerateArray());
        Assert.Equal("evicted", gap.GetProperty("reason").GetString());
        Assert.Equal(3, gap.GetProperty("missed").GetInt32());
        Assert.Equal(["4", "5", "6", "7", "8"], Seqs(batch));
    }

    [Fact]
    public async Task LongPoll_CursorFromAnotherServerLife_IsAResetGap()
    {
        var c = HarkTestServer.NewChannel();
        await Server.PublishAsync(c, "1");
        var batch = await Server.PollAsync($"/sub/{c}?cursor=abc-1:7&timeout=0");

        Assert.True(batch.GetProperty("gap").GetBoolean());
        Assert.Equal("reset", batch.GetProperty("gaps")[0].GetProperty("reason").GetString());
        Assert.Equal(["1"], Seqs(batch));
    }

    [Fact]
    public async Task LongPoll_SeveralChannels_DeliversBothInOrder_AndTheTokenResumes()
    {
        var (a, b) = (HarkTestServer.NewChannel(), HarkTestServer.NewChannel());
        var token = await Server.NowAsync($"{a},{b}");
        await Server.PublishAsync(a, "1");
        await Server.PublishAsync(b, "2");

        var batch = await Server.PollAsync($"/sub/{a},{b}?cursor={token}&timeout=5");
        var messages = batch.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["1", "2"], Seqs(batch));
        Assert.Equal(batch.GetProperty("cursor").GetString(), messages[^1].GetProperty("cursor").GetString());

        // Resuming from the first message's cursor gives exactly the second again.
        var fromFirst = await Server.PollAsync($"/sub/{a},{b}?cursor={messages[0].GetProperty("cursor").GetString()}&timeout=0");
        Assert.Equal(["2"], Seqs(fromFirst));

        await Server.PublishAsync(a, "3");
        var next = await Server.PollAsync($"/sub/{b},{a}?cursor={batch.GetProperty("cursor").GetString()}&timeout=5");
        Assert.Equal(["3"], Seqs(next));
    }

    [Fact]
    public async Task LongPoll_UnknownQueryParameters_AreIgnored()
    {
        var c = HarkTestServer.NewChannel();
        var batch = await Server.PollAsync($"/sub/{c}?timeout=0&timed=12345&_=999");
        Assert.False(batch.GetProperty("gap").GetBoolean());
    }

    [Fact]
    public async Task LongPoll_ConcurrentPublishers_OrderIsKept_AndNothingIsLost()
    {
        await using var server = await HarkTestServer.StartAsync(Output, "Hark:History:MaxMessages=10000");
        var c = HarkTestServer.NewChannel();
        var cursor = await server.NowAsync(c);
        const int Publishers = 4, Each = 50;
        var publishing = Task.WhenAll(Enumerable.Range(0, Publishers).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < Each; i++)
            {
                await server.PublishAsync(c, $"{{\"p\":{p},\"i\":{i}}}");
            }
        })));
        var received = new List<JsonElement>();
        while (received.Count < Publishers * Each)
        {
            var batch = await server.PollAsync($"/sub/{c}?cursor={cursor}&timeout=10&max=7");
            Assert.False(batch.GetProperty("gap").GetBoolean());
            received.AddRange(batch.GetProperty("messages").EnumerateArray());
            cursor = batch.GetProperty("cursor").GetString()!;
        }
        await publishing.WaitAsync(HarkTestServer.Patience);

        Assert.Equal(Enumerable.Range(1, Publishers * Each).Select(i => (long)i), received.Select(m => m.GetProperty("seq").GetInt64()));
        foreach (var group in received.GroupBy(m => m.GetProperty("data").GetProperty("p").GetInt32()))
        {
            Assert.Equal(Enumerable.Range(0, Each), group.Select(m => m.GetProperty("data").GetProperty("i").GetInt32()));
        }
    }

    [Fact]
    public async Task LongPoll_AThousandHeldPolls_AllReceiveOnePublish()
    {
        var c = HarkTestServer.NewChannel();
        var cursor = await Server.NowAsync(c);
        using var client = Server.CreateClient();
        var polls = Enumerable.Range(0, 1000).Select(_ => client.GetFromJsonAsync<JsonElement>($"/sub/{c}?cursor={cursor}&timeout=60")).ToList();
        await HarkTestServer.EventuallyAsync(async () => await Server.WaitingSubscribersAsync(c) == 1000, "1000 polls are held");

        var published = await Server.PublishAsync(c, "\"hello\"");

        var batches = await Task.WhenAll(polls).WaitAsync(HarkTestServer.Patience);
        Assert.Equal(1000, published.GetProperty("subscribers").GetInt32());
        Assert.All(batches, b => Assert.Equal(["hello"], Seqs(b)));
    }

    [Fact]
    public async Task LongPoll_ClientDisconnectsMidWait_LeavesNoWaiterBehind()
    {
        var c = HarkTestServer.NewChannel();
        using var cts = new CancellationTokenSource();
        var poll = Server.Client.GetAsync($"/sub/{c}?timeout=60", cts.Token);
        await HarkTestServer.EventuallyAsync(async () => await Server.WaitingSubscribersAsync(c) == 1, "the poll is held");

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => poll);

        await HarkTestServer.EventuallyAsync(async () => await Server.WaitingSubscribersAsync(c) == 0, "the server has let go of the waiter");
        Assert.Equal(0, (await Server.PublishAsync(c, "1")).GetProperty("subscribers").GetInt32());
    }

    [Fact]
    public async Task LongPoll_ChannelDeletedWhileHeld_Returns410Problem()
    {
        var c = HarkTestServer.NewChannel();
        await Server.PublishAsync(c, "1");
        var cursor = await Server.NowAsync(c);
        var poll = Server.Client.GetAsync($"/sub/{c}?cursor={cursor}&timeout=30");
        await HarkTestServer.EventuallyAsync(async () => await Server.WaitingSubscribersAsync(c) == 1, "the poll is held");

        using var deleted = await Server.Client.DeleteAsync($"/pub/{c}");
        using var response = await poll.WaitAsync(HarkTestServer.Patience);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.Gone, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("urn:hark:problem:channel-closed", problem.GetProperty("type").GetString());
        Assert.Equal(c, problem.GetProperty("channel").GetString());
    }
}
