using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Hark.AspNetCore.Tests.Infrastructure;
using Hark.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Hark.Browser.Tests;

/// <summary>The mail page open in many tabs of one browser: what they cost the server, and what each tab receives.</summary>
public abstract class MailTabsTest(BrowserFixture browser, ITestOutputHelper output, params string[] settings) : BrowserTest(browser, output, settings)
{
    protected async Task SendAsync(string to, string subject)
    {
        using var response = await Server.Client.PostAsJsonAsync("/api/mail", new { to, subject, body = "…", from = "test" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    protected static string Live(string user) => $"Signed in as {user}. New mail appears here at once.";

    /// <summary>Opens the mail page in a new tab of <paramref name="context"/> and waits until it is live.</summary>
    protected async Task<IPage> TabAsync(IBrowserContext context, string user, string query)
    {
        var page = await NewPageAsync(context);
        await GoToAsync(page, $"/mail.html?user={user}{query}");
        await Expect(page.Locator("#status")).ToHaveTextAsync(Live(user));
        return page;
    }

    protected static async Task<string[]> SubjectsAsync(IPage page) =>
        [.. (await page.Locator("#inbox li .subject").AllTextContentsAsync()).Reverse()];

    /// <summary>Waits until every tab shows exactly <paramref name="subjects"/>, in order, each once.</summary>
    protected static async Task AllShowAsync(IEnumerable<IPage> tabs, params string[] subjects)
    {
        foreach (var tab in tabs)
        {
            await Expect(tab.Locator("#badge")).ToHaveTextAsync(subjects.Length.ToString(CultureInfo.InvariantCulture));
            Assert.Equal(subjects, await SubjectsAsync(tab));
        }
    }

    /// <summary>A series of the server's <c>/metrics</c>, summed over its labels.</summary>
    protected async Task<long> MetricAsync(string name)
    {
        var text = await Server.Client.GetStringAsync("/metrics");
        return (long)PrometheusText.Parse(text).Sum(name);
    }

    protected async Task HeldAsync(long count)
    {
        var deadline = DateTime.UtcNow + Patience;
        long held;
        while ((held = await MetricAsync("hark_connections_held")) != count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the server holds {held} subscriber requests, not {count}");
            await Task.Delay(50);
        }
    }
}

/// <summary>Over HTTP/1.1, where a browser opens six connections per origin.</summary>
public sealed class MailTabsTests(BrowserFixture browser, ITestOutputHelper output) : MailTabsTest(browser, output)
{
    private static Task<string?> RoleAsync(IPage page) => page.Locator("#role").GetAttributeAsync("data-role");

    private static async Task<IPage[]> LeadersAsync(IEnumerable<IPage> tabs)
    {
        var leaders = new List<IPage>();
        foreach (var tab in tabs)
        {
            if (await RoleAsync(tab) == "leader")
            {
                leaders.Add(tab);
            }
        }
        return [.. leaders];
    }

    [Fact]
    public async Task EightTabs_Sharing_HoldOneConnection_GetEachMailOnce_AndSurviveTheLeaderClosing()
    {
        var context = await NewContextAsync();
        var tabs = new List<IPage>();
        for (var i = 0; i < 8; i++)
        {
            tabs.Add(await TabAsync(context, "tabs", "&timeout=20"));
        }
        await HeldAsync(1);
        await HarkTestServer.EventuallyAsync(async () => (await LeadersAsync(tabs)).Length == 1, "one tab leads");
        foreach (var tab in tabs)
        {
            await Expect(tab.Locator("#role")).ToHaveAttributeAsync("data-role", new System.Text.RegularExpressions.Regex("^(leader|follower)$"));
        }
        await ScreenshotAsync(tabs[^1], "follower");

        await SendAsync("tabs", "m1");
        await SendAsync("tabs", "m2");
        await AllShowAsync(tabs, "m1", "m2");
        Assert.Equal(1, await MetricAsync("hark_connections_held"));

        // The leader's tab loses the network, mail comes while it cannot fetch it, and then the tab closes: the tab
        // that takes over must resume from the cursor it has, and every tab must get that mail once.
        var leader = Assert.Single(await LeadersAsync(tabs));
        await ScreenshotAsync(leader, "leader");
        await leader.RouteAsync("**/sub/**", route => route.AbortAsync());
        for (var i = 0; i < 100 && !(await leader.Locator("#status").TextContentAsync())!.StartsWith("Reconnecting", StringComparison.Ordinal); i++)
        {
            Server.Connections.DropAll();
            await leader.WaitForTimeoutAsync(100);
        }
        await Expect(leader.Locator("#status")).ToContainTextAsync("Reconnecting");
        await Expect(tabs.First(t => t != leader).Locator("#status")).ToContainTextAsync("Reconnecting");
        await SendAsync("tabs", "m3");
        await leader.CloseAsync();
        tabs.Remove(leader);
        await HarkTestServer.EventuallyAsync(async () => (await LeadersAsync(tabs)).Length == 1, "another tab leads");
        await SendAsync("tabs", "m4");
        await AllShowAsync(tabs, "m1", "m2", "m3", "m4");
        foreach (var tab in tabs)
        {
            await Expect(tab.Locator("#status")).ToHaveTextAsync(Live("tabs"));
        }
        ExpectedConsoleErrors.Add(new("net::ERR_"));
        await HeldAsync(1);
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task ThreeTabs_Sharing_AFreezingLeaderHandsOver_AndCatchesUpWhenItResumes()
    {
        var context = await NewContextAsync();
        var tabs = new List<IPage>();
        for (var i = 0; i < 3; i++)
        {
            tabs.Add(await TabAsync(context, "frozen", "&timeout=20"));
        }
        await HarkTestServer.EventuallyAsync(async () => (await LeadersAsync(tabs)).Length == 1, "one tab leads");
        var leader = Assert.Single(await LeadersAsync(tabs));
        var others = tabs.Where(t => t != leader).ToArray();

        // What Chromium tells a tab it is about to freeze (a hidden tab it saves power on): the Page Lifecycle's
        // `freeze` event. (DevTools' Page.setWebLifecycleState freezes only hidden pages, and headless pages are
        // visible, so the test dispatches the events; the tab's page then leaves the subscription alone until `resume`.)
        await leader.EvaluateAsync("() => document.dispatchEvent(new Event('freeze'))");
        await HarkTestServer.EventuallyAsync(async () => (await LeadersAsync(others)).Length == 1, "another tab leads");
        await SendAsync("frozen", "while frozen");
        await AllShowAsync(others, "while frozen");
        await HeldAsync(1);

        await leader.EvaluateAsync("() => document.dispatchEvent(new Event('resume'))");
        await AllShowAsync(tabs, "while frozen");
        await Expect(leader.Locator("#role")).ToHaveAttributeAsync("data-role", "follower");
        await SendAsync("frozen", "after");
        await AllShowAsync(tabs, "while frozen", "after");
        await HeldAsync(1);
        ExpectedConsoleErrors.Add(new("net::ERR_"));
        AssertNoConsoleErrors();
    }

    [Fact]
    public async Task SevenTabs_NotSharing_TheSeventhStallsBehindTheSixHeldConnections()
    {
        var context = await NewContextAsync();
        var tabs = new List<IPage>();
        for (var i = 0; i < 6; i++)
        {
            tabs.Add(await TabAsync(context, "stall", "&share=0&timeout=60"));
        }
        await HeldAsync(6);

        // The browser's six connections to this origin are all held by long-polls: the seventh tab cannot even load.
        var seventh = await NewPageAsync(context);
        var loading = seventh.GotoAsync("/mail.html?user=stall&share=0&timeout=60", new PageGotoOptions { WaitUntil = WaitUntilState.Commit, Timeout = 0 });
        var stalled = await Assert.ThrowsAsync<TimeoutException>(() => seventh.WaitForFunctionAsync(
            "text => document.querySelector('#status')?.textContent === text", Live("stall"), new PageWaitForFunctionOptions { Timeout = 4000 }));
        Output.WriteLine($"seventh tab: {stalled.Message.Split('\n')[0]}");
        Assert.Equal(6, await MetricAsync("hark_connections_held"));

        // One tab closes and frees its connection: the seventh loads and goes live.
        await tabs[0].CloseAsync();
        await loading.WaitAsync(Patience);
        await Expect(seventh.Locator("#status")).ToHaveTextAsync(Live("stall"));
        await Expect(seventh.Locator("#role")).ToHaveAttributeAsync("data-role", "own");
        await SendAsync("stall", "after");
        await AllShowAsync([.. tabs.Skip(1), seventh], "after");
        ExpectedConsoleErrors.Add(new("net::ERR_"));
        AssertNoConsoleErrors();
    }
}

/// <summary>Over HTTPS, where Chromium speaks HTTP/2 and puts every tab's requests on one connection.</summary>
public sealed class MailTabsHttp2Tests(BrowserFixture browser, ITestOutputHelper output) : MailTabsTest(browser, output, TestCertificate.HttpsSettings)
{
    [Theory]
    [InlineData("longpoll")]
    [InlineData("sse")]
    [InlineData("websocket")]
    public async Task TenTabs_NotSharing_OverHttp2_AllGetEveryMail_OnOneConnection(string transport)
    {
        var context = await NewContextAsync();
        var tabs = new List<IPage>();
        for (var i = 0; i < 10; i++)
        {
            tabs.Add(await TabAsync(context, "h2", $"&share=0&timeout=20&transport={transport}"));
        }
        await HeldAsync(10);
        // The browser's one connection carries all ten held polls (the test's own client opened the other).
        Assert.Equal("h2", await tabs[0].EvaluateAsync<string>("() => performance.getEntriesByType('navigation')[0].nextHopProtocol"));
        Assert.Equal(2, Server.Connections.Count);

        await SendAsync("h2", "one");
        await SendAsync("h2", "two");
        await AllShowAsync(tabs, "one", "two");
        Assert.Equal(2, Server.Connections.Count);
        AssertNoConsoleErrors();
    }
}
