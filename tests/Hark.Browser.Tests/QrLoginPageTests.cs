using System.Text.RegularExpressions;
using Hark.Browser.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Hark.Browser.Tests;

/// <summary>Scan-to-log-in, with the login page and the phone page in two browser contexts.</summary>
public sealed class QrLoginPageTests(BrowserFixture browser, ITestOutputHelper output) : BrowserTest(browser, output)
{
    [Fact]
    public async Task QrLogin_PhoneConfirms_LoginPageMovesOnSignedIn()
    {
        var login = await OpenAsync("/login.html");
        await Expect(login.Locator("#qr")).ToBeVisibleAsync();
        await Expect(login.Locator("#status")).ToHaveTextAsync("Waiting for your phone…");
        await ScreenshotAsync(login, "login");
        var phoneUrl = await login.Locator("#phone-link").GetAttributeAsync("href");

        var phone = await OpenAsync(phoneUrl!);
        await Expect(phone.Locator("#ask")).ToHaveTextAsync("Log in as alice on the computer?");
        await phone.Locator("#user").FillAsync("bob");
        await Expect(phone.Locator("#ask")).ToHaveTextAsync("Log in as bob on the computer?");
        await ScreenshotAsync(phone, "phone");
        await phone.Locator("#confirm").ClickAsync();
        await Expect(phone.Locator("#status")).ToHaveTextAsync("Done. You are logged in on the computer.");

        await Expect(login).ToHaveURLAsync(new Regex("/signed-in\\.html$"));
        await Expect(login.Locator("#status")).ToHaveTextAsync("Signed in as bob.");
        await ScreenshotAsync(login, "signed-in");

        // The same code cannot be used twice.
        var again = await OpenAsync(phoneUrl!);
        await Expect(again.Locator("#status")).ToHaveTextAsync("This login is used already.");
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task QrLogin_PhoneCancels_LoginPageSaysSo()
    {
        var login = await OpenAsync("/login.html");
        await Expect(login.Locator("#status")).ToHaveTextAsync("Waiting for your phone…");
        var phone = await OpenAsync((await login.Locator("#phone-link").GetAttributeAsync("href"))!);
        await phone.Locator("#cancel").ClickAsync();
        await Expect(phone.Locator("#status")).ToHaveTextAsync("Cancelled. Nobody was logged in.");
        await Expect(login.Locator("#status")).ToHaveTextAsync("The login was cancelled on the phone.");
        await Expect(login.Locator("#new-code")).ToBeVisibleAsync();
        AssertNoConsoleErrors();
    }
}
