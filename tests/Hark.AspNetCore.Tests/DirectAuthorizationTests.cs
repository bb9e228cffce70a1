using Hark.AspNetCore.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Hark.AspNetCore.Tests;

/// <summary>
/// An application that embeds Hark and asks for ASP.NET Core's own authorization on <c>MapHark</c>: the direct
/// path then hands every poll to the pipeline, so that authorization runs on it.
/// </summary>
public sealed class DirectAuthorizationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Embedded_PlainMapHark_AnswersPollsOnTheConnection()
    {
        await using var server = await HarkTestServer.StartEmbeddedAsync(output, AddCookieAuthentication, _ => { });

        Assert.Equal(200, await PollAsync(server));
        Assert.Equal(1, await DirectLongPollTests.Direct(server));
    }

    [Fact]
    public async Task Embedded_MapHarkRequiringAuthorization_HandsEveryPollToThePipeline()
    {
        await using var server = await HarkTestServer.StartEmbeddedAsync(output, AddCookieAuthentication, hark => hark.RequireAuthorization());

        Assert.Equal(401, await PollAsync(server));
        Assert.Equal(401, await PollAsync(server));
        Assert.Equal(0, await DirectLongPollTests.Direct(server));
    }

    [Fact]
    public async Task Embedded_AFallbackAuthorizationPolicy_HandsEveryPollToThePipeline()
    {
        await using var server = await HarkTestServer.StartEmbeddedAsync(output, builder =>
        {
            AddCookieAuthentication(builder);
            builder.Services.AddAuthorization(options => options.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        }, _ => { });

        Assert.Equal(401, await PollAsync(server));
        Assert.Equal(0, await DirectLongPollTests.Direct(server));
    }

    private static async Task<int> PollAsync(HarkTestServer server)
    {
        await using var connection = await HandDrivenConnection.OpenAsync(server.Address);
        await connection.SendAsync(HandDrivenConnection.Get($"/sub/{HarkTestServer.NewChannel()}?timeout=0"));
        return (await connection.ReadResponseAsync()).Status;
    }

    private static void AddCookieAuthentication(WebApplicationBuilder builder)
    {
        // A challenge is a plain 401 rather than a redirect to a login page.
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(cookies =>
            cookies.Events.OnRedirectToLogin = context =>
            {
                context.Response.StatusCode = 401;
                return Task.CompletedTask;
            });
        builder.Services.AddAuthorization();
    }
}
