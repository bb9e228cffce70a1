using Hark.Browser.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Hark.Browser.Tests;

/// <summary>Progress of a long job on a latest-value channel.</summary>
public sealed class JobPageTests(BrowserFixture browser, ITestOutputHelper output) : BrowserTest(browser, output)
{
    [Theory]
    [InlineData("auto")]
    [InlineData("longpoll")]
    public async Task Job_Runs_ProgressBarAndCountsUpdateAndStopAtTheEnd(string transport)
    {
        var page = await OpenAsync($"/job.html?transport={transport}");
        await page.Locator("#devices").FillAsync("60");
        await page.Locator("#speed").FillAsync("8");
        await page.Locator("#start button").ClickAsync();
        await Expect(page.Locator("#status")).ToHaveTextAsync("Upgrading…");
        await Expect(page.Locator("#total")).ToHaveTextAsync("60");

        // A tab opened late gets the current state at once.
        var late = await OpenAsync(new Uri(page.Url).PathAndQuery);
        await Expect(late.Locator("#total")).ToHaveTextAsync("60", new() { Timeout = 2000 });

        await Expect(page.Locator("#status")).ToContainTextAsync("Finished:", new() { Timeout = 30_000 });
        await Expect(page.Locator("#percent")).ToHaveTextAsync("100");
        await Expect(late.Locator("#status")).ToContainTextAsync("Finished:");
        var counts = await page.Locator("#counts dd").AllTextContentsAsync();
        Assert.Equal(60, int.Parse(counts[4], System.Globalization.CultureInfo.InvariantCulture) + int.Parse(counts[5], System.Globalization.CultureInfo.InvariantCulture));
        await ScreenshotAsync(page, $"finished-{transport}");

        // Opened after the end, a page still shows the final state, straight away.
        var after = await OpenAsync(new Uri(page.Url).PathAndQuery);
        await Expect(after.Locator("#status")).ToContainTextAsync("Finished:", new() { Timeout = 2000 });
        Assert.Equal(counts, await after.Locator("#counts dd").AllTextContentsAsync());
        AssertNoConsoleErrors();
    }
}
