using Microsoft.Playwright;

namespace Hark.Browser.Tests.Infrastructure;

/// <summary>One headless Chromium for the whole run: the system's (Debian's package), never one Playwright downloads.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var path = Environment.GetEnvironmentVariable("HARK_CHROMIUM") is { Length: > 0 } p ? p : ChromiumPath;
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"Chromium is not at {path}: run scripts/browser.sh (scripts/test.sh does) to install Debian's chromium.");
        }
        _playwright = await Playwright.CreateAsync();
        Assertions.SetDefaultExpectTimeout(15_000);
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = path,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }
        _playwright?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}
