using System.Net;
using System.Net.Http.Json;
using Hark.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Hark.Browser.Tests;

/// <summary>New-mail notifications: live list and badge, a dropped network, a failing server, an expired session.</summary>
public sealed class MailPageTests(BrowserFixture browser, ITestOutputHelper output)
    : BrowserTest(browser, output, "Hark:Subscribe:ClockSkew=00:00:00")
{
    private async Task SendAsync(string to, string subject)
    {
        using var response = await Server.Client.PostAsJsonAsync("/api/mail", new { to, subject, body = "…", from = "test" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private async Task<IPage> SignedInAsync(string user, string query = "")
    {
        var page = await OpenAsync($"/mail.html?user={user}{query}");
        await Expect(page.Locator("#status")).ToHaveTextAsync($"Signed in as {user}. New mail appears here at once.");
        return page;
    }

    private static async Task<string[]> SubjectsAsync(IPage page) =>
        [.. (await page.Locator("#inbox li .subject").AllTextContentsAsync()).Reverse()];

    [Fact]
    public async Task Mail_Arrives_ListAndUnreadBadgeUpdateLive()
    {
        var page = await SignedInAsync("frank");
        await SendAsync("frank", "First");
        await page.Locator("#subject").FillAsync("Second");
        await page.Locator("#to").FillAsync("frank");
        await page.Locator("#send button").ClickAsync();
        await Expect(page.Locator("#sent")).ToHaveTextAsync("Sent to frank.");
        await Expect(page.Locator("#badge")).ToHaveTextAsync("2");
        await Expect(page).ToHaveTitleAsync("(2) Inbox · Hark");
        Assert.Equal(["First", "Second"], await SubjectsAsync(page));
        await ScreenshotAsync(page, "inbox");
        await page.Locator("#inbox li").First.ClickAsync();
        await Expect(page.Locator("#badge")).ToHaveTextAsync("1");
        AssertNoConsoleErrors();
    }

    [Theory]
    [InlineData("longpoll")]
    [InlineData("sse")]
    public async Task Mail_NetworkDropsMidway_NothingMissedOrRepeated(string transport)
    {
        var user = "gina" + transport;
        var page = await SignedInAsync(user, $"&transport={transport}");
        await SendAsync(user, "m1");
        await Expect(page.Locator("#badge")).ToHaveTextAsync("1");

        // Cut the page off from the server: new requests fail, and the open ones are dropped. The browser itself
        // re-sends a request whose reused connection died, so drop until the page has seen the failure.
        await page.RouteAsync("**/sub/**", route => route.AbortAsync());
        for (var i = 0; i < 100 && !(await page.Locator("#status").TextContentAsync())!.StartsWith("Reconnecting", StringComparison.Ordinal); i++)
        {
            Server.Connections.DropAll();
            await page.WaitForTimeoutAsync(100);
        }
        await Expect(page.Locator("#status")).ToContainTextAsync("Reconnecting");
        for (var i = 2; i <= 5; i++)
        {
            await SendAsync(user, $"m{i}");
        }
        await page.UnrouteAsync("**/sub/**");

        await Expect(page.Locator("#badge")).ToHaveTextAsync("5");
        await Expect(page.Locator("#status")).ToHaveTextAsync($"Signed in as {user}. New mail appears here at once.");
        await SendAsync(user, "m6");
        await Expect(page.Locator("#badge")).ToHaveTextAsync("6");
        Assert.Equal(["m1", "m2", "m3", "m4", "m5", "m6"], await SubjectsAsync(page));
        ExpectedConsoleErrors.Add(new("net::ERR_"));
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Mail_ServerAnswers503_PageSaysReconnectingAndRecovers()
    {
        var page = await SignedInAsync("hank");
        await page.RouteAsync("**/sub/**", route => route.FulfillAsync(new RouteFulfillOptions
        {
            Status = 503,
            Headers = new Dictionary<string, string> { ["Retry-After"] = "1", ["Content-Type"] = "application/problem+json" },
            Body = "{\"type\":\"urn:hark:problem:limit-reached\",\"title\":\"Server limit reached\",\"status\":503,\"detail\":\"try later\"}",
        }));
        // The held poll is answered first; the next one meets the failing server.
        await SendAsync("hank", "during trouble");
        await Expect(page.Locator("#status")).ToContainTextAsync("Reconnecting");
        await ScreenshotAsync(page, "reconnecting");
        await page.UnrouteAsync("**/sub/**");
        await SendAsync("hank", "after trouble");
        await Expect(page.Locator("#status")).ToHaveTextAsync("Signed in as hank. New mail appears here at once.", new() { Timeout = 30_000 });
        await Expect(page.Locator("#badge")).ToHaveTextAsync("2");
        Assert.Equal(["during trouble", "after trouble"], await SubjectsAsync(page));
        ExpectFailedLoads(503);
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Mail_SessionExpires_PageStopsPollingAndSaysSo()
    {
        var page = await SignedInAsync("iris", "&ttl=2&timeout=1");
        var polls = 0;
        page.Request += (_, request) =>
        {
            if (request.Url.Contains("/sub/", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref polls);
            }
        };
        await Expect(page.Locator("#status")).ToHaveTextAsync("Your session has expired. Sign in again to get new mail.");
        await Expect(page.Locator("#sign-in")).ToBeVisibleAsync();
        await ScreenshotAsync(page, "expired");
        var after = Volatile.Read(ref polls);
        await page.WaitForTimeoutAsync(2500);
        Assert.Equal(after, Volatile.Read(ref polls));
        ExpectFailedLoads(401);
        AssertNoConsoleErrors();
    }
}
