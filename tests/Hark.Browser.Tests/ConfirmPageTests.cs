using Hark.Browser.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Hark.Browser.Tests;

/// <summary>
/// Confirm on another device: the asker (page A) and the device (page D) in two browser contexts. A long-poll device
/// stays present for the grace after its last poll: one second here, so a closed device page is seen gone quickly.
/// </summary>
public sealed class ConfirmPageTests(BrowserFixture browser, ITestOutputHelper output) : BrowserTest(browser, output, "Hark:Presence:Grace=00:00:01")
{
    private async Task<(Microsoft.Playwright.IPage Asker, Microsoft.Playwright.IPage Device)> OpenBothAsync(string user, int wait = 20)
    {
        var device = await OpenAsync($"/device.html?user={user}");
        await Expect(device.Locator("#status")).ToHaveTextAsync($"Listening for {user}'s questions.");
        var asker = await OpenAsync($"/confirm.html?wait={wait}");
        await asker.Locator("#user").FillAsync(user);
        return (asker, device);
    }

    [Fact]
    public async Task Confirm_DeviceConfirms_AskerSeesApproval()
    {
        var (asker, device) = await OpenBothAsync("alice");
        await asker.Locator("#ask").ClickAsync();
        await Expect(asker.Locator("#status")).ToHaveTextAsync("Waiting for alice's device to approve 100.00…");
        await Expect(device.Locator("#question")).ToHaveTextAsync("Approve payment of 100.00?");
        await ScreenshotAsync(device, "device-prompt");
        await device.Locator("#yes").ClickAsync();
        await Expect(device.Locator("#outcome")).ToHaveTextAsync("You confirmed it.");
        await Expect(asker.Locator("#status")).ToHaveTextAsync("Confirmed on this device. Payment of 100.00 approved.");
        await ScreenshotAsync(asker, "asker-confirmed");
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Confirm_DeviceDeclines_AskerSeesDecline()
    {
        var (asker, device) = await OpenBothAsync("dora");
        await asker.Locator("#ask").ClickAsync();
        await device.Locator("#no").ClickAsync();
        await Expect(device.Locator("#outcome")).ToHaveTextAsync("You declined it.");
        await Expect(asker.Locator("#status")).ToHaveTextAsync("Declined on the device. Nothing was paid.");
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Confirm_NoAnswer_AskerTimesOutAndALateAnswerIsRefused()
    {
        var (asker, device) = await OpenBothAsync("erin", wait: 2);
        await asker.Locator("#ask").ClickAsync();
        await Expect(device.Locator("#question")).ToHaveTextAsync("Approve payment of 100.00?");
        await Expect(asker.Locator("#status")).ToHaveTextAsync("No answer in time. Nothing was paid.");
        await ScreenshotAsync(asker, "asker-timeout");
        // The device page hides an expired question by itself; a click in the last instant is refused as too late.
        await Expect(device.Locator("#outcome")).ToHaveTextAsync("That question expired before it was answered.");
        // One question, asked once: the browser did not send the ask again after its 408.
        await Expect(device.Locator("body")).ToHaveAttributeAsync("data-questions", "1");
        ExpectFailedLoads(408);
        AssertNoConsoleErrors();
    }

    [Theory]
    [InlineData("longpoll", "fay")]
    [InlineData("websocket", "gus")]
    public async Task Confirm_ShowsTheDeviceOnlineWhileItsPageIsOpen_AndOfflineOnceItCloses(string transport, string user)
    {
        var asker = await OpenAsync($"/confirm.html?user={user}");
        var offline = $"{user}'s device is offline: open the device page for {user}.";
        await Expect(asker.Locator("#device")).ToHaveTextAsync(offline);
        var device = await OpenAsync($"/device.html?user={user}&transport={transport}");
        await Expect(device.Locator("#status")).ToHaveTextAsync($"Listening for {user}'s questions.");
        await Expect(asker.Locator("#device")).ToHaveTextAsync($"{user}'s device is online.");
        await Expect(asker.Locator("body")).ToHaveAttributeAsync("data-devices", "1");
        await ScreenshotAsync(asker, $"asker-device-online-{transport}");
        await device.CloseAsync();
        await Expect(asker.Locator("#device")).ToHaveTextAsync(offline);
        await Expect(asker.Locator("body")).ToHaveAttributeAsync("data-devices", "0");
        AssertNoConsoleErrors();
    }
}
