using System.Text.RegularExpressions;
using Hark.AspNetCore.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Hark.Browser.Tests.Infrastructure;

/// <summary>
/// A browser test: its own Hark server (real Kestrel on loopback, demo apps included), fresh browser contexts,
/// every page's console watched for errors, and a screenshot of each page saved under artifacts/browser.
/// </summary>
[Collection(BrowserCollection.Name)]
public abstract partial class BrowserTest(BrowserFixture browser, ITestOutputHelper output, params string[] settings) : IAsyncLifetime
{
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly List<IBrowserContext> _contexts = [];
    private readonly List<string> _consoleErrors = [];

    protected ITestOutputHelper Output { get; } = output;

    protected HarkTestServer Server { get; private set; } = null!;

    /// <summary>Console errors a test expects, such as the browser's own line for an answer it provoked ("status of 503").</summary>
    protected List<Regex> ExpectedConsoleErrors { get; } = [];

    public async Task InitializeAsync() => Server = await HarkTestServer.StartAsync(Output, [HarkTestServer.Development, .. settings]);

    public async Task DisposeAsync()
    {
        foreach (var context in _contexts)
        {
            await context.CloseAsync();
        }
        await Server.DisposeAsync();
    }

    /// <summary>A page in a new browser context (a separate device: its own cookies and storage).</summary>
    protected Task<IPage> OpenAsync(string path) => OpenAsync(path, null);

    /// <summary>A page in a new browser context, which <paramref name="prepare"/> may set up (routes, say) before the page loads.</summary>
    protected async Task<IPage> OpenAsync(string path, Func<IBrowserContext, Task>? prepare)
    {
        var context = await NewContextAsync();
        if (prepare is not null)
        {
            await prepare(context);
        }
        var page = await NewPageAsync(context);
        await GoToAsync(page, path);
        return page;
    }

    /// <summary>A browser context of its own (a separate device: its own cookies, storage and connections).</summary>
    protected async Task<IBrowserContext> NewContextAsync()
    {
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Server.Address.ToString(),
            // The test's own self-signed certificate, when the server serves HTTPS.
            IgnoreHTTPSErrors = Server.Address.Scheme == Uri.UriSchemeHttps,
        });
        context.SetDefaultTimeout((float)Patience.TotalMilliseconds);
        _contexts.Add(context);
        return context;
    }

    /// <summary>A new page (a tab) in <paramref name="context"/>, its console watched.</summary>
    protected async Task<IPage> NewPageAsync(IBrowserContext context)
    {
        var page = await context.NewPageAsync();
        page.Console += (_, message) =>
        {
            Output.WriteLine($"[console.{message.Type}] {message.Text}");
            if (message.Type == "error")
            {
                lock (_consoleErrors)
                {
                    _consoleErrors.Add(message.Text);
                }
            }
        };
        page.PageError += (_, error) =>
        {
            Output.WriteLine($"[pageerror] {error}");
            lock (_consoleErrors)
            {
                _consoleErrors.Add(error);
            }
        };
        return page;
    }

    /// <summary>Loads <paramref name="path"/>, up to DOMContentLoaded: a page holding a forever-iframe never finishes loading.</summary>
    protected static Task GoToAsync(IPage page, string path) =>
        page.GotoAsync(path, new PageGotoOptions { WaitUntil = WaitUntilState.DOMContentLoaded });

    /// <summary>Saves a screenshot as a test artifact.</summary>
    protected async Task ScreenshotAsync(IPage page, string name)
    {
        var path = Path.Combine(ArtifactsFolder(), $"{GetType().Name}.{name}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        Output.WriteLine($"screenshot: {path}");
    }

    /// <summary>Fails when any page logged a console error the test did not expect.</summary>
    protected void AssertNoConsoleErrors()
    {
        string[] unexpected;
        lock (_consoleErrors)
        {
            unexpected = [.. _consoleErrors.Where(e => !ExpectedConsoleErrors.Any(r => r.IsMatch(e)))];
        }
        Assert.True(unexpected.Length == 0, "console errors:\n" + string.Join("\n", unexpected));
    }

    /// <summary>The browser's console line for a failed load with one of these statuses.</summary>
    protected void ExpectFailedLoads(params int[] statuses) =>
        ExpectedConsoleErrors.Add(new Regex($"^Failed to load resource: the server responded with a status of ({string.Join('|', statuses)})"));

    private static string ArtifactsFolder()
    {
        var folder = Environment.GetEnvironmentVariable("HARK_ARTIFACTS");
        if (string.IsNullOrEmpty(folder))
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Hark.slnx")))
            {
                dir = dir.Parent;
            }
            folder = Path.Combine(dir?.FullName ?? AppContext.BaseDirectory, "artifacts");
        }
        folder = Path.Combine(folder, "browser");
        Directory.CreateDirectory(folder);
        return folder;
    }
}
