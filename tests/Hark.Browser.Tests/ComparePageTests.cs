using System.Globalization;
using Hark.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Hark.Browser.Tests;

/// <summary>The same channel five ways, side by side.</summary>
public sealed class ComparePageTests(BrowserFixture browser, ITestOutputHelper output) : BrowserTest(browser, output)
{
    private static readonly string[] Transports = ["poll", "longpoll", "sse", "iframe", "websocket"];

    private static ILocator Cell(IPage page, string transport, string field) => page.Locator($"tr[data-transport='{transport}'] [data-field='{field}']");

    [Fact]
    public async Task Compare_EveryTransportReceivesEveryMessageOnce()
    {
        var page = await OpenAsync("/compare.html?interval=1");
        foreach (var transport in Transports)
        {
            await Expect(Cell(page, transport, "status")).ToHaveTextAsync("live");
        }
        for (var i = 1; i <= 3; i++)
        {
            await page.Locator("#one").ClickAsync();
            foreach (var transport in Transports)
            {
                await Expect(Cell(page, transport, "messages")).ToHaveTextAsync(i.ToString(CultureInfo.InvariantCulture));
            }
        }
        foreach (var transport in Transports)
        {
            Assert.NotEqual("–", await Cell(page, transport, "median").TextContentAsync());
            Assert.True(int.Parse((await Cell(page, transport, "bytes").TextContentAsync())!, CultureInfo.InvariantCulture) > 0);
        }
        // Long-polling asks once per message (and per timeout); the streams opened one request each.
        Assert.True(int.Parse((await Cell(page, "longpoll", "requests").TextContentAsync())!, CultureInfo.InvariantCulture) >= 3);
        Assert.Equal("1", await Cell(page, "sse", "requests").TextContentAsync());
        Assert.Equal("1", await Cell(page, "iframe", "requests").TextContentAsync());
        Assert.Equal("1", await Cell(page, "websocket", "requests").TextContentAsync());
        await ScreenshotAsync(page, "compare");
        AssertNoConsoleErrors();
    }
}
