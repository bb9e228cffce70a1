using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hark.AspNetCore.Tests.Infrastructure;

namespace Hark.AspNetCore.Tests.Demos;

/// <summary>The mail and job demo APIs: what they accept, and the clear answers to what they do not.</summary>
public sealed class DemoInputTests(ITestOutputHelper output) : ServerTest(output, HarkTestServer.Development)
{
    [Theory]
    [InlineData("{\"user\":\"Not Valid\"}", "invalid-user")]
    [InlineData("{\"user\":\"\"}", "invalid-user")]
    [InlineData("{\"user\":\"amy\",\"ttl\":0}", "invalid-ttl")]
    [InlineData("{\"user\":\"amy\",\"ttl\":999999}", "invalid-ttl")]
    public async Task Session_BadInput_Is400(string body, string type)
    {
        using var response = await Server.Client.PostAsync("/api/session", new StringContent(body, Encoding.UTF8, "application/json"));
        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, "urn:hark:demo:" + type, prefixed: true);
    }

    [Theory]
    [InlineData("{\"to\":\"a b\",\"subject\":\"s\"}", "invalid-recipient")]
    [InlineData("{\"to\":\"amy\",\"subject\":\"\"}", "invalid-mail")]
    public async Task Mail_BadInput_Is400(string body, string type)
    {
        using var response = await Server.Client.PostAsync("/api/mail", new StringContent(body, Encoding.UTF8, "application/json"));
        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, "urn:hark:demo:" + type, prefixed: true);
    }

    [Fact]
    public async Task Mail_ChannelNeedsTheSessionsToken()
    {
        using var session = await Server.Client.PostAsJsonAsync("/api/session", new { user = "amy" });
        var token = (await session.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
        using var without = await Server.Client.GetAsync("/sub/demo.mail.amy?timeout=0");
        await ProblemAssert.IsAsync(without, HttpStatusCode.Unauthorized, "missing-token");
        using var other = await Server.Client.GetAsync($"/sub/demo.mail.bob?timeout=0&token={token}");
        await ProblemAssert.IsAsync(other, HttpStatusCode.Forbidden, "channel-forbidden");
        using var own = await Server.Client.GetAsync($"/sub/demo.mail.amy?timeout=0&token={token}");
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        // Signing in also set the session cookie, which this client keeps; another client has none.
        using var me = await Server.Client.GetAsync("/api/me");
        Assert.Equal("amy", (await me.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("user").GetString());
        using var stranger = Server.CreateClient();
        using var nobody = await stranger.GetAsync("/api/me");
        await ProblemAssert.IsAsync(nobody, HttpStatusCode.Unauthorized, "urn:hark:demo:signed-out", prefixed: true);
    }

    [Theory]
    [InlineData("{\"devices\":0}", "invalid-devices")]
    [InlineData("{\"devices\":5001}", "invalid-devices")]
    [InlineData("{\"devices\":10,\"speed\":100}", "invalid-speed")]
    public async Task Job_BadInput_Is400(string body, string type)
    {
        using var response = await Server.Client.PostAsync("/api/jobs", new StringContent(body, Encoding.UTF8, "application/json"));
        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, "urn:hark:demo:" + type, prefixed: true);
    }

    [Fact]
    public async Task Job_Progress_IsVersionedOnALatestValueChannel()
    {
        using var start = await Server.Client.PostAsJsonAsync("/api/jobs", new { devices = 5, speed = 20 });
        Assert.Equal(HttpStatusCode.Created, start.StatusCode);
        var channel = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("channel").GetString();
        var cursor = "";
        long lastVersion = 0;
        for (var finished = false; !finished;)
        {
            var answer = await Server.PollAsync($"/sub/{channel}?timeout=20{(cursor.Length > 0 ? "&cursor=" + cursor : "")}").WaitAsync(HarkTestServer.Patience);
            cursor = answer.GetProperty("cursor").GetString()!;
            Assert.False(answer.GetProperty("gap").GetBoolean());
            foreach (var message in answer.GetProperty("messages").EnumerateArray())
            {
                Assert.True(message.GetProperty("version").GetInt64() > lastVersion);
                lastVersion = message.GetProperty("version").GetInt64();
                finished = message.GetProperty("data").GetProperty("finished").GetBoolean();
            }
        }
        using var info = await Server.Client.GetAsync($"/pub/{channel}");
        Assert.Equal(1, (await info.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("messages").GetInt32());
    }
}
