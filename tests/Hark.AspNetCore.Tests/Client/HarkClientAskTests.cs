using System.Text.Json;
using Hark.AspNetCore.Tests.Infrastructure;
using Hark.Client;

namespace Hark.AspNetCore.Tests.Client;

/// <summary>The .NET client's side of ask/reply, against a real server.</summary>
public sealed class HarkClientAskTests(ITestOutputHelper output) : ServerTest(output)
{
    private HarkClient NewClient() => new(new HttpClient { Timeout = TimeSpan.FromSeconds(60) }, new HarkClientOptions { BaseAddress = Server.Address });

    /// <summary>Asks on a new channel and returns the ask with the question as a subscriber got it.</summary>
    private async Task<(Task<HarkAnswer> Ask, JsonElement Question)> AskAsync(HarkClient client, TimeSpan timeout)
    {
        var device = HarkTestServer.NewChannel();
        var cursor = await Server.NowAsync(device);
        var ask = client.AskAsync(device, "Approve?", timeout);
        var answer = await Server.PollAsync($"/sub/{device}?cursor={cursor}&timeout=20").WaitAsync(HarkTestServer.Patience);
        return (ask, answer.GetProperty("messages")[0].GetProperty("data"));
    }

    [Fact]
    public async Task Ask_ReplyByPath_IsConfirmedWithTheBody()
    {
        var client = NewClient();
        var (ask, question) = await AskAsync(client, TimeSpan.FromSeconds(20));
        Assert.Equal("Approve?", question.GetProperty("question").GetString());
        await client.ReplyAsync(question.GetProperty("reply").GetString()!, confirm: true, "yes from the phone");
        var answer = await ask.WaitAsync(HarkTestServer.Patience);
        Assert.Equal(new HarkAnswer(HarkAnswerOutcome.Confirmed, "yes from the phone", false), answer);
    }

    [Fact]
    public async Task Ask_DeclinedByToken_IsDeclined_AndASecondReplyThrows409()
    {
        var client = NewClient();
        var (ask, question) = await AskAsync(client, TimeSpan.FromSeconds(20));
        var token = question.GetProperty("token").GetString()!;
        await client.ReplyAsync(token, confirm: false);
        Assert.Equal(HarkAnswerOutcome.Declined, (await ask.WaitAsync(HarkTestServer.Patience)).Outcome);
        var second = await Assert.ThrowsAsync<HarkException>(() => client.ReplyAsync(token, confirm: true));
        Assert.Equal(409, second.Status);
        Assert.Equal("urn:hark:problem:already-answered", second.ProblemType);
    }

    [Fact]
    public async Task Ask_NoAnswer_TimesOut_AndALateReplyThrows410()
    {
        var client = NewClient();
        var (ask, question) = await AskAsync(client, TimeSpan.FromSeconds(0.5));
        Assert.Equal(HarkAnswerOutcome.TimedOut, (await ask.WaitAsync(HarkTestServer.Patience)).Outcome);
        var late = await Assert.ThrowsAsync<HarkException>(() => client.ReplyAsync(question.GetProperty("token").GetString()!, confirm: true));
        Assert.Equal(410, late.Status);
    }

    [Fact]
    public async Task Ask_TimeoutNotBelowHttpClientTimeout_Throws()
    {
        var client = NewClient();
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.AskAsync("c", "q", TimeSpan.FromSeconds(60)));
    }
}
