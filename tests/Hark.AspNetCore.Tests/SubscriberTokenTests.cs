using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Hark.AspNetCore.Tests.Infrastructure;
using Hark.Client;

namespace Hark.AspNetCore.Tests;

public sealed class SubscriberTokenTests(ITestOutputHelper output) : ServerTest(output,
    "Hark:Subscribe:RequireToken=true",
    $"Hark:Subscribe:TokenKeys:0={OldKey}",
    $"Hark:Subscribe:TokenKeys:1={NewKey}",
    "Hark:Subscribe:PublicChannels:0=news.*")
{
    private const string OldKey = "old-key-0123456789-0123456789-0123456789";
    private const string NewKey = "new-key-9876543210-9876543210-9876543210";

    private async Task<HttpResponseMessage> PollAsync(string channels, string? token, bool inQuery = false)
    {
        var url = $"/sub/{channels}?timeout=0" + (inQuery && token is not null ? "&token=" + Uri.EscapeDataString(token) : "");
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (!inQuery && token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return await Server.Client.SendAsync(request);
    }

    private static Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string type) =>
        ProblemAssert.IsAsync(response, status, type);

    [Fact]
    public async Task ValidToken_InHeaderOrQuery_ReadsItsChannels()
    {
        var token = HarkSubscriberToken.Create(OldKey, ["user.42", "qr.*"], TimeSpan.FromMinutes(5));
        using var header = await PollAsync("user.42", token);
        using var query = await PollAsync("qr.abc,user.42", token, inQuery: true);
        Assert.Equal(HttpStatusCode.OK, header.StatusCode);
        Assert.Equal(HttpStatusCode.OK, query.StatusCode);
    }

    [Fact]
    public async Task MissingToken_Is401_ButPublicChannelsAreOpen()
    {
        using var missing = await PollAsync("user.42", null);
        using var open = await PollAsync("news.today", null);
        await AssertProblemAsync(missing, HttpStatusCode.Unauthorized, "missing-token");
        Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
    }

    [Fact]
    public async Task ChannelNotInToken_Is403_EvenAlongsideAllowedOnes()
    {
        var token = HarkSubscriberToken.Create(NewKey, ["user.42"], TimeSpan.FromMinutes(5));
        using var response = await PollAsync("user.42,user.43", token);
        await AssertProblemAsync(response, HttpStatusCode.Forbidden, "channel-forbidden");
        Assert.Contains("user.43", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ExpiredToken_Is401()
    {
        var past = new FixedTime(DateTimeOffset.UtcNow.AddHours(-2));
        var token = HarkSubscriberToken.Create(OldKey, ["user.42"], TimeSpan.FromMinutes(5), past);
        using var response = await PollAsync("user.42", token);
        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "invalid-token");
        Assert.Contains("expired", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task WrongSignature_Is401()
    {
        var token = HarkSubscriberToken.Create("some-other-key-0123456789-0123456789", ["user.42"], TimeSpan.FromMinutes(5));
        using var response = await PollAsync("user.42", token);
        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "invalid-token");
    }

    [Theory]
    [InlineData("{\"alg\":\"none\",\"typ\":\"JWT\"}", "")]
    [InlineData("{\"alg\":\"none\",\"typ\":\"JWT\"}", "x")]
    [InlineData("{\"alg\":\"HS512\",\"typ\":\"JWT\"}", "AAAA")]
    public async Task UnsignedOrForeignAlgorithmTokens_Are401(string header, string signature)
    {
        static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var exp = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();
        var token = $"{B64(header)}.{B64($"{{\"channels\":[\"user.42\"],\"exp\":{exp}}}")}.{signature}";
        using var response = await PollAsync("user.42", token);
        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "invalid-token");
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("a.b.c")]
    [InlineData("")]
    public async Task MalformedTokens_Are401(string token)
    {
        using var response = await PollAsync("user.42", token, inQuery: true);
        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, token.Length == 0 ? "missing-token" : "invalid-token");
    }

    [Fact]
    public async Task EventSourceStyle_QueryToken_OpensTheStream()
    {
        var token = HarkSubscriberToken.Create(OldKey, ["user.*"], TimeSpan.FromMinutes(5));
        using var response = await Server.Client.GetAsync($"/sub/user.7?transport=sse&token={token}", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Client_WithAMintedToken_Subscribes()
    {
        var client = new HarkClient(new HttpClient(), new HarkClientOptions
        {
            BaseAddress = Server.Address,
            SubscriberToken = HarkSubscriberToken.Create(NewKey, ["mail.*"], TimeSpan.FromMinutes(5)),
        });
        await client.PublishAsync("mail.u1", "first");
        await foreach (var e in client.SubscribeAsync(["mail.u1"], "oldest").WithCancellation(new CancellationTokenSource(HarkTestServer.Patience).Token))
        {
            Assert.Equal("first", ((Hark.Client.HarkMessage)e).Text);
            break;
        }
        var refused = new HarkClient(new HttpClient(), new HarkClientOptions { BaseAddress = Server.Address });
        await Assert.ThrowsAsync<HarkAuthorizationException>(async () =>
        {
            await foreach (var e in refused.SubscribeAsync(["mail.u1"]))
            {
            }
        });
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
