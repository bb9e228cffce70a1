using System.Globalization;
using System.Text.RegularExpressions;
using Hark.Browser.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Hark.Browser.Tests;

/// <summary>
/// hark.js in Chromium, on a page the server serves (so the socket is same-origin, as a real page's is): the page imports
/// <c>/hark.js</c>, subscribes, and records what it is told.
/// </summary>
public abstract class ClientPageTest(BrowserFixture browser, ITestOutputHelper output, params string[] settings) : BrowserTest(browser, output, settings)
{
    private const string SubscribeScript = """
        async ({ channel, transport }) => {
          const { subscribe } = await import('/hark.js');
          window.received = [];
          window.errors = [];
          window.statuses = [];
          window.sub = subscribe(channel, {
            transport,
            onMessage: (m) => window.received.push(m.data),
            onStatus: (s) => window.statuses.push(s),
            onError: (e) => window.errors.push(`${e.type} ${e.status} ${e.willRetry}`),
          });
          window.started = window.sub.transport;
          return await window.sub.ready;
        }
        """;

    /// <summary>A page of the server's own (its health check), subscribed to <paramref name="channel"/>; returns it and the cursor it started at.</summary>
    protected async Task<(IPage Page, string Cursor)> SubscribedPageAsync(string channel, string transport, IPage? page = null)
    {
        // The server's health check is a page of its own origin with nothing else on it; its missing favicon is no error.
        page ??= await OpenAsync("/healthz", context => context.RouteAsync("**/favicon.ico", route => route.FulfillAsync(new RouteFulfillOptions { Status = 204 })));
        var cursor = await page.EvaluateAsync<string>(SubscribeScript, new { channel, transport });
        return (page, cursor);
    }

    protected async Task PublishAsync(string channel, int from, int to)
    {
        for (var n = from; n <= to; n++)
        {
            await Server.PublishAsync(channel, n.ToString(CultureInfo.InvariantCulture));
        }
    }

    protected static async Task<int[]> ReceivedAsync(IPage page, int count)
    {
        await page.WaitForFunctionAsync("n => window.received.length >= n", count);
        return await page.EvaluateAsync<int[]>("() => window.received");
    }

    protected static Task<string> TransportAsync(IPage page) => page.EvaluateAsync<string>("() => window.sub.transport");

    /// <summary>Each error the page was told of, as "type status willRetry".</summary>
    protected static Task<string[]> ErrorsAsync(IPage page) => page.EvaluateAsync<string[]>("() => window.errors");

    protected async Task<string?> RememberedAsync(IPage page) =>
        await page.EvaluateAsync<string?>("key => { const v = localStorage.getItem(key); return v && JSON.parse(v).transport; }", $"hark:transport:{Server.Address.ToString().TrimEnd('/')}");
}

/// <summary>The WebSocket transport in a real browser.</summary>
public sealed class WebSocketClientTests(BrowserFixture browser, ITestOutputHelper output) : ClientPageTest(browser, output)
{
    [Fact]
    public async Task WebSocket_ReceivesEveryMessageInOrder_AcrossDroppedConnections()
    {
        var c = "ws" + Guid.NewGuid().ToString("N")[..10];
        var (page, cursor) = await SubscribedPageAsync(c, "websocket");
        Assert.Matches("^.+:0$", cursor);
        await PublishAsync(c, 1, 10);
        Assert.Equal(Enumerable.Range(1, 10), await ReceivedAsync(page, 10));

        // The network drops: the socket dies without a close; the page resumes from its cursor.
        Assert.True(Server.Connections.DropAll() >= 1);
        await PublishAsync(c, 11, 20);
        await page.WaitForFunctionAsync("() => window.statuses.filter(s => s === 'live').length >= 2");
        await PublishAsync(c, 21, 30);

        Assert.Equal(Enumerable.Range(1, 30), await ReceivedAsync(page, 30));
        Assert.Equal("websocket", await TransportAsync(page));
        Assert.Equal(["network 0 true"], (await ErrorsAsync(page)).Distinct());
        await ScreenshotAsync(page, "websocket");
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Auto_PrefersTheWebSocket_AndRemembersIt()
    {
        var c = "auto" + Guid.NewGuid().ToString("N")[..10];
        var (page, _) = await SubscribedPageAsync(c, "auto");
        await PublishAsync(c, 1, 5);

        Assert.Equal(Enumerable.Range(1, 5), await ReceivedAsync(page, 5));
        Assert.Equal("websocket", await TransportAsync(page));
        Assert.Equal("websocket", await RememberedAsync(page));
        AssertNoConsoleErrors();
    }
}

/// <summary>A server whose WebSocket is turned off, as a proxy that refuses upgrades would leave it: `auto` falls back.</summary>
public sealed class WebSocketFallbackTests(BrowserFixture browser, ITestOutputHelper output) : ClientPageTest(browser, output, "Hark:WebSocket:Enabled=false")
{
    [Fact]
    public async Task Auto_UpgradeRefused_FallsBackToServerSentEvents_EveryMessageOnce_AndTheNextPageStartsThere()
    {
        var c = "fb" + Guid.NewGuid().ToString("N")[..10];
        var (page, _) = await SubscribedPageAsync(c, "auto");
        Assert.Equal("websocket", await page.EvaluateAsync<string>("() => window.started"));
        await PublishAsync(c, 1, 10);

        Assert.Equal(Enumerable.Range(1, 10), await ReceivedAsync(page, 10));
        Assert.Equal("sse", await TransportAsync(page));
        // The socket failed, and GET /ws said why: this server serves none.
        Assert.Equal(["http 404 true"], await ErrorsAsync(page));
        Assert.Equal("sse", await RememberedAsync(page));

        // A reload goes straight to what worked here: no socket is tried, and it resumes nothing it should not.
        await page.ReloadAsync(new PageReloadOptions { WaitUntil = WaitUntilState.DOMContentLoaded });
        await SubscribedPageAsync(c, "auto", page);
        Assert.Equal("sse", await page.EvaluateAsync<string>("() => window.started"));
        await PublishAsync(c, 11, 12);
        Assert.Equal(new[] { 11, 12 }, await ReceivedAsync(page, 2));
        Assert.Empty(await ErrorsAsync(page));

        ExpectFailedLoads(404);
        ExpectedConsoleErrors.Add(new Regex("^WebSocket connection to '.*' failed"));
        AssertNoConsoleErrors();
    }
}
