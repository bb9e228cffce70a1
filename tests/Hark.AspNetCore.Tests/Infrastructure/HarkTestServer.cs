using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hark.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hark.AspNetCore.Tests.Infrastructure;

/// <summary>The real server app on real Kestrel, bound to 127.0.0.1 on a free port, logging into the test output.</summary>
public sealed class HarkTestServer : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private HarkTestServer(WebApplication app, Uri address, ConnectionDropper connections)
    {
        Connections = connections;
        App = app;
        Address = address;
        Client = CreateClient();
    }

    public WebApplication App { get; }

    /// <summary>The server's open connections, to cut in a test.</summary>
    public ConnectionDropper Connections { get; }

    public Uri Address { get; }

    public HttpClient Client { get; }

    /// <summary>Starts a server; each setting is <c>Key=Value</c> in configuration syntax (<c>Hark:Poll:MaxTimeout=00:00:05</c>).</summary>
    public static Task<HarkTestServer> StartAsync(ITestOutputHelper output, params string[] settings) => StartAsync(output, null, settings);

    /// <summary>
    /// The environment <c>dotnet run</c> gives the server (its launch profile): Development, whose settings
    /// (appsettings.Development.json) turn the demo apps on and give them what they need of Hark.
    /// </summary>
    public const string Development = "environment=Development";

    /// <summary>Starts a server whose services <paramref name="services"/> may change after the app registered its own.</summary>
    public static async Task<HarkTestServer> StartAsync(ITestOutputHelper output, Action<IServiceCollection>? services, params string[] settings)
    {
        var connections = new ConnectionDropper();
        var app = HarkApp.Create(Arguments(settings), builder =>
        {
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen =>
            {
                listen.Use(connections.Track);
                HarkApp.ConfigureListener(listen);
            }));
            services?.Invoke(builder.Services);
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(new TestOutputLoggerProvider(output));
        });
        return await StartAsync(app, connections);
    }

    /// <summary>
    /// Starts a host of the test's own making, as an application that embeds Hark builds one: <c>AddHark()</c>,
    /// direct long-polls on its listeners, <paramref name="configure"/> for its services, and <c>MapHark()</c>,
    /// whose convention builder <paramref name="hark"/> gets (for <c>.RequireAuthorization()</c> and the like).
    /// </summary>
    public static async Task<HarkTestServer> StartEmbeddedAsync(ITestOutputHelper output, Action<WebApplicationBuilder> configure,
        Action<RouteGroupBuilder> hark, params string[] settings)
    {
        var connections = new ConnectionDropper();
        var builder = WebApplication.CreateBuilder(Arguments(settings));
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen =>
        {
            listen.Use(connections.Track);
            listen.UseHarkLongPoll();
        }));
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new TestOutputLoggerProvider(output));
        builder.Services.AddHark();
        configure(builder);
        var app = builder.Build();
        hark(app.MapHark());
        return await StartAsync(app, connections);
    }

    private static string[] Arguments(string[] settings) =>
    [
        "--urls=http://127.0.0.1:0",
        $"--contentRoot={AppContext.BaseDirectory}",
        .. settings.Select(s => "--" + s),
    ];

    private static async Task<HarkTestServer> StartAsync(WebApplication app, ConnectionDropper connections)
    {
        await app.StartAsync().WaitAsync(Patience);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new HarkTestServer(app, new Uri(address), connections);
    }

    public HttpClient CreateClient() => new(Address.Scheme == Uri.UriSchemeHttps
        ? TestCertificate.TrustingHandler()
        : new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, UseProxy = false })
    {
        BaseAddress = Address,
        Timeout = TimeSpan.FromSeconds(60),
    };

    public T Service<T>() where T : notnull => App.Services.GetRequiredService<T>();

    public static string NewChannel() => "t" + Guid.NewGuid().ToString("N")[..12];

    public async Task<JsonElement> PublishAsync(string channel, string json, string? eventName = null)
    {
        var url = $"/pub/{channel}" + (eventName is null ? "" : $"?event={eventName}");
        using var response = await Client.PostAsync(url, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<JsonElement> PollAsync(string query)
    {
        using var response = await Client.GetAsync(query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<string> NowAsync(string channels) => (await PollAsync($"/sub/{channels}?timeout=0")).GetProperty("cursor").GetString()!;

    /// <summary>Checks a condition until it holds or patience runs out; for state the server reaches on its own time.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }
            await Task.Delay(20);
        }
    }

    /// <summary>Waits, at most <see cref="Patience"/>, until a condition read without waiting holds.</summary>
    public static Task EventuallyAsync(Func<bool> condition, string what) => EventuallyAsync(() => Task.FromResult(condition()), what);

    /// <summary>Scrapes <c>/metrics</c> as Prometheus would and reads it strictly.</summary>
    public async Task<PrometheusText> ScrapeAsync()
    {
        using var response = await Client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Reads the same exposition in process, by calling the <c>/metrics</c> endpoint's own delegate: for hosts whose
    /// middleware (authorization, allowed hosts) would refuse the test's scrape.
    /// </summary>
    public async Task<PrometheusText> CollectAsync()
    {
        var endpoint = App.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .Single(e => e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName == "HarkMetrics");
        var context = new DefaultHttpContext { RequestServices = App.Services };
        context.Request.Method = "GET";
        context.Request.Path = "/metrics";
        using var body = new MemoryStream();
        context.Response.Body = body;
        await endpoint.RequestDelegate!(context);
        Assert.Equal(200, context.Response.StatusCode);
        return PrometheusText.Parse(System.Text.Encoding.UTF8.GetString(body.ToArray()));
    }

    public async Task<int> WaitingSubscribersAsync(string channel)
    {
        using var response = await Client.GetAsync($"/pub/{channel}");
        return response.StatusCode == HttpStatusCode.NotFound ? 0 : (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("subscribers").GetInt32();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync().WaitAsync(Patience);
        await App.DisposeAsync();
    }
}
