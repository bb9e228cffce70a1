using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Hark.Server;

/// <summary>The server's composition, shared by <c>Program</c> and the functional tests so both run the same app.</summary>
public static class HarkApp
{
    /// <summary>Where the server listens when no URL is configured.</summary>
    public const string DefaultUrl = "http://127.0.0.1:8090";

    /// <summary>Builds the app from command-line arguments (ASP.NET Core configuration: appsettings, environment, arguments).</summary>
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            // Loopback by default: exposing the server is a choice (--urls, URLS or ASPNETCORE_URLS).
            builder.WebHost.UseUrls(DefaultUrl);
        }
        // Kestrel reads only its endpoints from configuration by itself; bind the rest (Kestrel:Limits:*) too.
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(builder.Configuration.GetSection("Kestrel"));
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(ConfigureListener));
        // A connection's code runs on the socket engine's thread that read its bytes, and a write is sent by the thread that
        // flushes it: no hop to the thread pool or to Kestrel's I/O queues per request, per answer and per stream frame
        // (about 13% less server CPU per long-poll delivery, half the thread switches: docs/bench/notes.md, seventh round).
        // Nothing in the server blocks a thread. Kestrel:Sockets:UnsafePreferInlineScheduling=false turns it off, for a
        // host that adds middleware doing blocking I/O; Kestrel:Sockets binds the transport's other settings too.
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions>(sockets =>
        {
            sockets.UnsafePreferInlineScheduling = true;
            builder.Configuration.GetSection("Kestrel:Sockets").Bind(sockets);
        });
        // Behind a proxy the limits count the client it names, not the proxy (ForwardedHeaders:*, loopback
        // proxies by default): the middleware below and the direct path read the same options.
        builder.Services.Configure<ForwardedHeadersOptions>(options =>
            ForwardedHeadersSettings.Apply(builder.Configuration.GetSection(ForwardedHeadersSettings.SectionName), options));
        var hark = builder.Services.AddHark();
        if (string.Equals(builder.Configuration["Hark:Engine"], "postgres", StringComparison.OrdinalIgnoreCase))
        {
            // Hark:Postgres:ConnectionString names the database every node shares.
            hark.AddPostgres();
        }
        else if (string.Equals(builder.Configuration["Hark:Engine"], "redis", StringComparison.OrdinalIgnoreCase))
        {
            // Hark:Redis:Configuration names the Redis every node shares (a StackExchange.Redis configuration string).
            hark.AddRedis();
        }
        Telemetry.Add(builder);
        Demos.DemoApps.Add(builder);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseForwardedHeaders();
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // Kestrel's own request errors (a broken chunked body, say) keep their 4xx status.
            StatusCodeSelector = e => e is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();
        Demos.DemoApps.UseFiles(app);
        app.UseCors();
        app.MapHark();
        if (app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Hark.AspNetCore.HarkOptions>>().Value.Nchan is { Enabled: true } nchan)
        {
            // Hark:Nchan:Enabled: NchanSubscriber.js pages and Nchan publishers, unchanged, at {Prefix}/sub and {Prefix}/pub.
            app.MapNchanCompat(nchan.Prefix);
        }
        Demos.DemoApps.Map(app);
        var demos = Demos.DemoApps.IsEnabled(app.Configuration, app.Environment);
        app.Lifetime.ApplicationStarted.Register(() => AnnounceAddresses(app, demos));
        return app;
    }

    /// <summary>
    /// What every listener of the server gets: plain long-polls answered on the connection, ahead of the
    /// pipeline below, which adds nothing to them; CORS, tokens and streams go through it (see
    /// <c>UseHarkLongPoll</c>; <c>Hark:Poll:Direct=false</c> turns it off). Kestrel keeps only the last
    /// <c>ConfigureEndpointDefaults</c> action, so a host that sets its own calls this from it.
    /// </summary>
    public static void ConfigureListener(Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions listen) => listen.UseHarkLongPoll();

    private static void AnnounceAddresses(WebApplication app, bool demos)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (var address in addresses)
        {
            Console.WriteLine(demos
                ? $"Hark is running at {address}/ (demo page), subscribe at {address}/sub/{{channel}}, publish at {address}/pub/{{channel}}, dashboard at {address}/admin"
                : $"Hark is running at {address}/ (no demo page), subscribe at {address}/sub/{{channel}}, publish at {address}/pub/{{channel}}, dashboard at {address}/admin");
        }
    }
}
