using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Hark.AspNetCore.Tests.Infrastructure;
using Hark.Browser.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Hark.Browser.Tests;

/// <summary>
/// Nchan's own browser client, NchanSubscriber.js 1.0.10 unchanged, in Chromium on a page the server serves, against
/// Hark's Nchan door: once per transport, every message exactly once and in order while they are published at irregular
/// intervals (between long-polls too), across a hold timeout (408) and across dropped connections; published through both
/// doors. The hold is short here so that timeouts happen during the test.
/// </summary>
public sealed class NchanSubscriberTests(BrowserFixture browser, ITestOutputHelper output)
    : BrowserTest(browser, output, "Hark:Nchan:Enabled=true", "Hark:Poll:DefaultTimeout=00:00:02")
{
    [Theory]
    [InlineData("longpoll")]
    [InlineData("eventsource")]
    [InlineData("websocket")]
    public async Task NchanSubscriber_ReceivesEveryMessageOnceInOrder_AcrossTimeoutsAndDrops(string transport)
    {
        var c = "nc" + Guid.NewGuid().ToString("N")[..10];
        // The page has no favicon; its 404 is no error.
        var page = await OpenAsync("/nchan-test/nchan.html", context => context.RouteAsync("**/favicon.ico", route => route.FulfillAsync(new RouteFulfillOptions { Status = 204 })));
        Assert.Equal(transport, await page.EvaluateAsync<string>("([url, t]) => window.subscribe(url, t)", new[] { $"/nchan/sub/{c}", transport }));
        await HarkTestServer.EventuallyAsync(async () => await Server.WaitingSubscribersAsync(c) >= 1, "the subscriber waits");

        var random = new Random(transport.Length);
        await PublishAsync(c, 1, 10, random);
        await ReceivedAsync(page, 10);

        // Longer than the hold: a long-poll is answered 408 and polls again from where it stood.
        if (transport == "longpoll")
        {
            await page.WaitForFunctionAsync("() => window.events.includes('error 408')");
        }
        await PublishAsync(c, 11, 20, random);
        await ReceivedAsync(page, 20);

        // The network drops: the client reconnects by itself, with the id of the last message it had. (A long-poll's
        // request cut on a reused connection is sent again by Chromium itself, unseen by the page, with the same id.)
        Assert.True(Server.Connections.DropAll() >= 1);
        await PublishAsync(c, 21, 30, random);
        if (transport != "longpoll")
        {
            await page.WaitForFunctionAsync("() => window.events.includes('disconnect')");
        }
        await PublishAsync(c, 31, 40, random);

        var received = await ReceivedAsync(page, 40);
        Assert.Equal(Enumerable.Range(1, 40).Select(n => n.ToString(CultureInfo.InvariantCulture)), received);
        // Each message came with an Nchan id, all different.
        var ids = await page.EvaluateAsync<string[]>("() => window.ids");
        Assert.All(ids, id => Assert.Matches("^[0-9]+:[0-9]+$", id));
        Assert.Equal(ids.Length, ids.Distinct().Count());
        await ScreenshotAsync(page, transport);

        ExpectFailedLoads(408);
        ExpectedConsoleErrors.Add(new Regex("net::ERR_|^WebSocket connection to '.*' failed"));
        AssertNoConsoleErrors();
    }

    /// <summary>Publishes <c>from</c>…<c>to</c>, odd ones through the Nchan door and even ones through Hark's <c>/pub</c>, at irregular intervals (some back to back).</summary>
    private async Task PublishAsync(string channel, int from, int to, Random random)
    {
        for (var n = from; n <= to; n++)
        {
            var text = n.ToString(CultureInfo.InvariantCulture);
            if (n % 2 == 1)
            {
                using var response = await Server.Client.PostAsync($"/nchan/pub/{channel}", new StringContent(text, Encoding.UTF8, "text/plain"));
                Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.Accepted);
            }
            else
            {
                await Server.PublishAsync(channel, text);
            }
            var pause = random.Next(4) == 0 ? 0 : random.Next(10, 120);
            await Task.Delay(pause);
        }
    }

    private static async Task<string[]> ReceivedAsync(IPage page, int count)
    {
        await page.WaitForFunctionAsync("n => window.received.length >= n", count);
        return await page.EvaluateAsync<string[]>("() => window.received");
    }
}
