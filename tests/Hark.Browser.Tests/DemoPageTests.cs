using Hark.Browser.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Hark.Browser.Tests;

/// <summary>The demo page at <c>/</c>: a publish form and two hark.js subscriptions, long-poll and SSE, on one channel.</summary>
public sealed class DemoPageTests(BrowserFixture browser, ITestOutputHelper output) : BrowserTest(browser, output)
{
    [Fact]
    public async Task DemoPage_Publish_BothPanelsShowTheMessageOnce()
    {
        var page = await OpenAsync("/?channel=demo.page");
        await Expect(page.Locator("#longpoll .pill-text")).ToHaveTextAsync("waiting");
        await Expect(page.Locator("#sse .pill-text")).ToHaveTextAsync("open");

        await page.Locator("#body").FillAsync("{\"text\":\"hello panels\"}");
        await page.Locator("#publish-button").ClickAsync();
        await Expect(page.Locator("#publish-result")).ToContainTextAsync("Accepted: seq 1");
        foreach (var panel in new[] { "#longpoll", "#sse" })
        {
            await Expect(page.Locator($"{panel} .feed .msg")).ToHaveCountAsync(1);
            await Expect(page.Locator($"{panel} .feed .msg pre")).ToHaveTextAsync("{\"text\":\"hello panels\"}");
            await Expect(page.Locator($"{panel} [data-stat=messages]")).ToHaveTextAsync("1");
        }
        // The long-poll panel counts its requests, the SSE panel its connections (hark.js's fetch and EventSource).
        await Expect(page.Locator("#longpoll [data-stat=requests]")).Not.ToHaveTextAsync("0");
        await Expect(page.Locator("#sse [data-stat=connections]")).ToHaveTextAsync("1");

        // Paused, the long-poll panel resumes from its cursor with what it missed.
        await page.Locator("#longpoll [data-action=pause]").ClickAsync();
        await Expect(page.Locator("#longpoll .pill-text")).ToHaveTextAsync("paused");
        await page.Locator("#publish-button").ClickAsync();
        await Expect(page.Locator("#sse .feed .msg")).ToHaveCountAsync(2);
        await page.Locator("#longpoll [data-action=pause]").ClickAsync();
        await Expect(page.Locator("#longpoll .feed .msg")).ToHaveCountAsync(2);
        await ScreenshotAsync(page, "published");
        AssertNoConsoleErrors();
    }
}
