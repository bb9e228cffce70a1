using Hark.Browser.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Hark.Browser.Tests;

/// <summary>Scan-to-log-in with codes that expire after four seconds.</summary>
public sealed class QrLoginExpiryPageTests(BrowserFixture browser, ITestOutputHelper output)
    : BrowserTest(browser, output, "Demos:QrTicketLifetime=00:00:04")
{
    [Fact]
    public async Task QrLogin_CodeExpires_PageSaysSoAndOffersANewOne()
    {
        var login = await OpenAsync("/login.html");
        var firstQr = await login.Locator("#qr").GetAttributeAsync("src");
        var phoneUrl = await login.Locator("#phone-link").GetAttributeAsync("href");
        await Expect(login.Locator("#status")).ToHaveTextAsync("This code has expired.");
        await ScreenshotAsync(login, "expired");

        var phone = await OpenAsync(phoneUrl!);
        await Expect(phone.Locator("#status")).ToHaveTextAsync("This code has expired. Ask the computer for a new one.");

        await login.Locator("#new-code").ClickAsync();
        await Expect(login.Locator("#status")).ToHaveTextAsync("Waiting for your phone…");
        Assert.NotEqual(firstQr, await login.Locator("#qr").GetAttributeAsync("src"));
        ExpectFailedLoads(410);
        AssertNoConsoleErrors();
    }
}
