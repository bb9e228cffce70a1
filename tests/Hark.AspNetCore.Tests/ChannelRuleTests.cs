using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Hark.AspNetCore.Tests.Infrastructure;
using Hark.Client;

namespace Hark.AspNetCore.Tests;

/// <summary>Per-pattern rules: which channels need a token, and which keys may publish where.</summary>
public sealed class ChannelRuleTests(ITestOutputHelper output) : ServerTest(output,
    "Hark:Publish:Keys:0=master-key",
    "Hark:Publish:Rules:0:Pattern=billing.*",
    "Hark:Publish:Rules:0:Keys:0=billing-key",
    $"Hark:Subscribe:TokenKeys:0={TokenKey}",
    "Hark:Subscribe:ProtectedChannels:0=user.*")
{
    private const string TokenKey = "token-key-0123456789-0123456789-0123456789";

    private async Task<HttpResponseMessage> PublishAsync(string channel, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/pub/{channel}") { Content = new StringContent("1", Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return await Server.Client.SendAsync(request);
    }

    [Theory]
    [InlineData("billing.invoice", "billing-key", 202, null)]
    [InlineData("orders.1", "master-key", 202, null)]
    [InlineData("billing.invoice", "master-key", 403, "key-not-allowed")]
    [InlineData("orders.1", "billing-key", 403, "key-not-allowed")]
    [InlineData("billing.invoice", null, 401, "missing-key")]
    [InlineData("billing.invoice", "nobody-key", 401, "invalid-key")]
    public async Task PublishRules_GiveEachKeyItsChannels(string channel, string? key, int status, string? type)
    {
        using var response = await PublishAsync(channel, key);
        if (type is null)
        {
            Assert.Equal(status, (int)response.StatusCode);
        }
        else
        {
            await ProblemAssert.IsAsync(response, (HttpStatusCode)status, type);
        }
    }

    [Fact]
    public async Task BatchPublish_WithAChannelOutsideTheKeysRule_PublishesNothing()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/pub")
        {
            Content = new StringContent("[{\"channel\":\"billing.a\",\"data\":1},{\"channel\":\"orders.a\",\"data\":2}]", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "billing-key");
        using var response = await Server.Client.SendAsync(request);

        await ProblemAssert.IsAsync(response, HttpStatusCode.Forbidden, "key-not-allowed");
        using var info = await PublishInfoAsync("billing.a");
        Assert.Equal(HttpStatusCode.NotFound, info.StatusCode);
    }

    [Fact]
    public async Task BatchPublish_WithAnUnknownKey_Is401BeforeAnythingElse()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/pub")
        {
            Content = new StringContent("[{\"channel\":\"orders.a\",\"data\":1}]", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "made-up-key");
        using var response = await Server.Client.SendAsync(request);
        await ProblemAssert.IsAsync(response, HttpStatusCode.Unauthorized, "invalid-key");
    }

    private Task<HttpResponseMessage> PublishInfoAsync(string channel)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/pub/{channel}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "billing-key");
        return Server.Client.SendAsync(request);
    }

    [Fact]
    public async Task ProtectedChannels_NeedATokenEvenWhenTokensAreNotRequiredElsewhere()
    {
        using var open = await Server.Client.GetAsync("/sub/news.today?timeout=0");
        using var protectedWithout = await Server.Client.GetAsync("/sub/user.7?timeout=0");
        var token = HarkSubscriberToken.Create(TokenKey, ["user.7"], TimeSpan.FromMinutes(5));
        using var protectedWith = await Server.Client.GetAsync($"/sub/user.7?timeout=0&token={token}");
        using var otherUser = await Server.Client.GetAsync($"/sub/user.8?timeout=0&token={token}");

        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, protectedWithout.StatusCode);
        Assert.Equal(HttpStatusCode.OK, protectedWith.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherUser.StatusCode);
    }
}
