using System.Globalization;
using Hark.AspNetCore.Tests.Infrastructure;
using Hark.Browser.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Hark.Browser.Tests;

/// <summary>The operator's dashboard with an admin key: the key asked for, charts that move with traffic, the channel actions.</summary>
public sealed class AdminPageTests(BrowserFixture browser, ITestOutputHelper output)
    : BrowserTest(browser, output, $"Hark:Admin:Keys:0={Key}", "Hark:Admin:Interval=00:00:00.25")
{
    private const string Key = "dashboard-key-0123456789";

    [Fact]
    public async Task Dashboard_WithTheKey_ChartsMoveWithTrafficAndActionsWork()
    {
        var page = await OpenAsync("/admin");
        // Without a key the stream is refused (401) and the page asks for one.
        await Expect(page.Locator("#status")).ToHaveTextAsync("expired");
        await Expect(page.Locator("#notice")).ToContainTextAsync("needs an admin key");
        ExpectFailedLoads(401);

        await page.Locator("#key").FillAsync(Key);
        await page.Locator("#key-form button").ClickAsync();
        await Expect(page.Locator("#status")).ToHaveTextAsync("live");
        await Expect(page.Locator("#engine")).ToHaveTextAsync("memory · Healthy");

        // Traffic: a publisher on one channel until the charts and the busiest list show it.
        var channel = HarkTestServer.NewChannel();
        using var stop = new CancellationTokenSource();
        var traffic = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                await Server.PublishAsync(channel, $"{{\"n\":{i}}}");
                await Task.Delay(20, CancellationToken.None);
            }
        }, CancellationToken.None);
        var points = await ChartPointsAsync(page);
        await Expect(page.Locator("#busiest tbody")).ToContainTextAsync(channel);
        await Expect(page.Locator("#published")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[1-9]"));
        Assert.True(await ChartPointsAsync(page) > points, "the rates chart gained points");
        await ScreenshotAsync(page, "live");

        // Look up from the busiest list (while the channel is busy), read the history, delete.
        await page.Locator("#busiest tbody a", new() { HasText = channel }).ClickAsync();
        await Expect(page.Locator("#info dd[data-field=channel]")).ToHaveTextAsync(channel);
        await stop.CancelAsync();
        await traffic;
        await page.Locator("#history").ClickAsync();
        await Expect(page.Locator("#action-status")).ToContainTextAsync("newest message(s)");
        Assert.True(await page.Locator("#history-list li").CountAsync() is > 0 and <= 20);
        await Expect(page.Locator("#history-list li").Last).ToContainTextAsync("{\"n\":");
        page.Dialog += (_, dialog) => _ = dialog.AcceptAsync();
        await page.Locator("#delete").ClickAsync();
        await Expect(page.Locator("#action-status")).ToHaveTextAsync($"Deleted {channel}");
        await page.Locator("#lookup").ClickAsync();
        await Expect(page.Locator("#action-status")).ToContainTextAsync("404");
        ExpectFailedLoads(401, 404);
        await ScreenshotAsync(page, "actions");

        // A wrong key: refused by the stream and by the API.
        await page.Locator("#key").FillAsync("wrong");
        await page.Locator("#key-form button").ClickAsync();
        await Expect(page.Locator("#notice")).ToContainTextAsync("was refused");
        await page.Locator("#lookup").ClickAsync();
        await Expect(page.Locator("#action-status")).ToContainTextAsync("401");
        AssertNoConsoleErrors();
    }

    private static async Task<int> ChartPointsAsync(Microsoft.Playwright.IPage page)
    {
        var points = page.Locator("#chart-rates .uplot");
        await Expect(points).ToHaveAttributeAsync("data-points", new System.Text.RegularExpressions.Regex("^[1-9]"));
        return int.Parse(await points.GetAttributeAsync("data-points") ?? "0", CultureInfo.InvariantCulture);
    }
}

/// <summary>The dashboard with no key configured: a loopback browser uses it without one.</summary>
public sealed class AdminPageLoopbackTests(BrowserFixture browser, ITestOutputHelper output)
    : BrowserTest(browser, output, "Hark:Admin:Interval=00:00:00.25")
{
    [Fact]
    public async Task Dashboard_NoKeyConfigured_LoopbackSeesItLive()
    {
        var page = await OpenAsync("/admin");
        await Expect(page.Locator("#status")).ToHaveTextAsync("live");
        await Expect(page.Locator("#engine")).ToHaveTextAsync("memory · Healthy");
        await Expect(page.Locator("#held")).Not.ToHaveTextAsync("–");
        await Expect(page.Locator("#notice")).ToBeHiddenAsync();
        AssertNoConsoleErrors();
    }
}
