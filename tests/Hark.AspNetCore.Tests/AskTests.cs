using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hark.AspNetCore.Tests.Infrastructure;

namespace Hark.AspNetCore.Tests;

/// <summary>The request/reply primitive: <c>POST /ask/{channel}</c> and <c>POST /reply/{token}</c>.</summary>
public sealed class AskTests(ITestOutputHelper output) : ServerTest(output)
{
    private static readonly TimeSpan Patience = HarkTestServer.Patience;

    /// <summary>Starts an ask on a new device channel and returns it with the question as the device received it.</summary>
    private async Task<(Task<HttpResponseMessage> Ask, JsonElement Question)> AskAsync(string body = "{\"text\":\"Approve payment of 100.00?\"}", string query = "timeout=20")
    {
        var device = HarkTestServer.NewChannel();
        var cursor = await Server.NowAsync(device);
        var ask = Server.Client.PostAsync($"/ask/{device}?{query}", new StringContent(body, Encoding.UTF8, "application/json"));
        var answer = await Server.PollAsync($"/sub/{device}?cursor={cursor}&timeout=20").WaitAsync(Patience);
        var message = answer.GetProperty("messages")[0];
        Assert.Equal("ask", message.GetProperty("event").GetString());
        return (ask, message.GetProperty("data"));
    }

    private Task<HttpResponseMessage> ReplyAsync(string token, string body = "{}", string query = "", string type = "application/json") =>
        Server.Client.PostAsync($"/reply/{token}{query}", new StringContent(body, Encoding.UTF8, type));

    [Fact]
    public async Task Ask_Confirmed_AskerGets200WithTheReplyBody()
    {
        var (ask, question) = await AskAsync();
        Assert.Equal("Approve payment of 100.00?", question.GetProperty("question").GetProperty("text").GetString());
        var token = question.GetProperty("token").GetString()!;
        Assert.Equal($"/reply/{token}", question.GetProperty("reply").GetString());

        using var reply = await ReplyAsync(token, "{\"approvedBy\":\"phone\"}");
        Assert.Equal(HttpStatusCode.NoContent, reply.StatusCode);
        using var asked = await ask.WaitAsync(Patience);
        Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
        Assert.Equal("confirmed", asked.Headers.GetValues("Hark-Answer").Single());
        Assert.Equal("{\"approvedBy\":\"phone\"}", await asked.Content.ReadAsStringAsync());
        Assert.Equal("application/json", asked.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Ask_TextReply_IsReturnedAsText()
    {
        var (ask, question) = await AskAsync("\"Sign in on the new laptop?\"");
        Assert.Equal("Sign in on the new laptop?", question.GetProperty("question").GetString());
        using var reply = await ReplyAsync(question.GetProperty("token").GetString()!, "yes, it's me", type: "text/plain");
        using var asked = await ask.WaitAsync(Patience);
        Assert.Equal("yes, it's me", await asked.Content.ReadAsStringAsync());
        Assert.Equal("text/plain", asked.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Ask_Declined_AskerGets204()
    {
        var (ask, question) = await AskAsync();
        using var reply = await ReplyAsync(question.GetProperty("token").GetString()!, query: "?answer=decline");
        Assert.Equal(HttpStatusCode.NoContent, reply.StatusCode);
        using var asked = await ask.WaitAsync(Patience);
        Assert.Equal(HttpStatusCode.NoContent, asked.StatusCode);
        Assert.Equal("declined", asked.Headers.GetValues("Hark-Answer").Single());
    }

    [Fact]
    public async Task Ask_NoAnswer_Is408_AndALateReplyIs410()
    {
        var (ask, question) = await AskAsync(query: "timeout=0.5");
        using var asked = await ask.WaitAsync(Patience);
        await ProblemAssert.IsAsync(asked, HttpStatusCode.RequestTimeout, "ask-timeout");
        using var late = await ReplyAsync(question.GetProperty("token").GetString()!);
        await ProblemAssert.IsAsync(late, HttpStatusCode.Gone, "ask-expired");
    }

    [Fact]
    public async Task Ask_RepeatedWithItsIdempotencyKey_JoinsTheFirstAndAsksOnce()
    {
        var device = HarkTestServer.NewChannel();
        var cursor = await Server.NowAsync(device);
        HttpRequestMessage Ask(string timeout)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/ask/{device}?timeout={timeout}") { Content = new StringContent("1", Encoding.UTF8, "application/json") };
            request.Headers.Add("Idempotency-Key", "k-1");
            return request;
        }
        using var first = await Server.Client.SendAsync(Ask("0.5"));
        await ProblemAssert.IsAsync(first, HttpStatusCode.RequestTimeout, "ask-timeout");
        // As a browser does after a 408: the same request again. It gets the same outcome at once, with no new question.
        using var repeat = await Server.Client.SendAsync(Ask("20")).WaitAsync(TimeSpan.FromSeconds(5));
        await ProblemAssert.IsAsync(repeat, HttpStatusCode.RequestTimeout, "ask-timeout");
        var questions = await Server.PollAsync($"/sub/{device}?cursor={cursor}&timeout=0");
        Assert.Equal(1, questions.GetProperty("messages").GetArrayLength());
    }

    [Fact]
    public async Task Ask_RepeatedWhileWaiting_BothGetTheAnswer()
    {
        var device = HarkTestServer.NewChannel();
        var cursor = await Server.NowAsync(device);
        Task<HttpResponseMessage> Ask()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/ask/{device}?timeout=20") { Content = new StringContent("1", Encoding.UTF8, "application/json") };
            request.Headers.Add("Idempotency-Key", "k-2");
            return Server.Client.SendAsync(request);
        }
        var first = Ask();
        var token = (await Server.PollAsync($"/sub/{device}?cursor={cursor}&timeout=20")).GetProperty("messages")[0].GetProperty("data").GetProperty("token").GetString()!;
        var second = Ask();
        await HarkTestServer.EventuallyAsync(async () => await Server.WaitingSubscribersAsync("~ask." + token) == 2, "both asks wait");
        using var reply = await ReplyAsync(token, "\"ok\"");
        using var a = await first.WaitAsync(Patience);
        using var b = await second.WaitAsync(Patience);
        Assert.Equal("ok", await a.Content.ReadAsStringAsync());
        Assert.Equal("ok", await b.Content.ReadAsStringAsync());
        Assert.Equal(1, (await Server.PollAsync($"/sub/{device}?cursor={cursor}&timeout=0")).GetProperty("messages").GetArrayLength());
    }

    [Fact]
    public async Task Reply_Twice_SecondIs409AndTheFirstStands()
    {
        var (ask, question) = await AskAsync();
        var token = question.GetProperty("token").GetString()!;
        using var first = await ReplyAsync(token, "1");
        using var second = await ReplyAsync(token, "2", "?answer=decline");
        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        await ProblemAssert.IsAsync(second, HttpStatusCode.Conflict, "already-answered");
        using var asked = await ask.WaitAsync(Patience);
        Assert.Equal("1", await asked.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Reply_AfterTheAskerWentAway_Is410()
    {
        var device = HarkTestServer.NewChannel();
        var cursor = await Server.NowAsync(device);
        using var leaving = new CancellationTokenSource();
        using var client = Server.CreateClient();
        var ask = client.PostAsync($"/ask/{device}?timeout=30", new StringContent("1", Encoding.UTF8, "application/json"), leaving.Token);
        var token = (await Server.PollAsync($"/sub/{device}?cursor={cursor}&timeout=20")).GetProperty("messages")[0].GetProperty("data").GetProperty("token").GetString()!;
        await leaving.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ask);
        await HarkTestServer.EventuallyAsync(async () =>
        {
            using var info = await Server.Client.GetAsync($"/pub/~ask.{token}");
            return (await info.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("lastSeq").GetInt64() == 2;
        }, "the server marks the abandoned question expired");
        using var reply = await ReplyAsync(token);
        await ProblemAssert.IsAsync(reply, HttpStatusCode.Gone, "ask-expired");
    }

    [Theory]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("short")]
    [InlineData("AAAAAAAAAAAAAAAAAAAA%2A")]
    public async Task Reply_UnknownToken_Is404(string token)
    {
        using var reply = await ReplyAsync(token);
        await ProblemAssert.IsAsync(reply, HttpStatusCode.NotFound, "ask-not-found");
    }

    [Fact]
    public async Task Reply_UnknownAnswer_Is400()
    {
        var (_, question) = await AskAsync(query: "timeout=1");
        using var reply = await ReplyAsync(question.GetProperty("token").GetString()!, query: "?answer=maybe");
        await ProblemAssert.IsAsync(reply, HttpStatusCode.BadRequest, "invalid-parameter");
    }

    [Theory]
    [InlineData("/ask/bad%20name", "invalid-channel")]
    [InlineData("/ask/ok?timeout=-1", "invalid-parameter")]
    [InlineData("/ask/ok?timeout=999", "invalid-parameter")]
    [InlineData("/ask/ok?event=gap", "invalid-event")]
    public async Task Ask_BadInput_Is400(string path, string type)
    {
        using var response = await Server.Client.PostAsync(path, new StringContent("{}", Encoding.UTF8, "application/json"));
        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, type);
    }

    [Fact]
    public async Task Ask_BadJson_Is400()
    {
        using var response = await Server.Client.PostAsync("/ask/ok", new StringContent("{nope", Encoding.UTF8, "application/json"));
        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, "invalid-json");
    }
}
