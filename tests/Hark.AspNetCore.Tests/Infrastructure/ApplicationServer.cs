using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hark.AspNetCore.Tests.Infrastructure;

/// <summary>
/// The application beside Hark, as a test plays it: its own real Kestrel on 127.0.0.1, port 0, serving what
/// <c>map</c> maps (a JWKS, an authorization hook).
/// </summary>
public sealed class ApplicationServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ApplicationServer(WebApplication app, Uri address) => (_app, Address) = (app, address);

    public Uri Address { get; }

    public static async Task<ApplicationServer> StartAsync(ITestOutputHelper output, Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new TestOutputLoggerProvider(output));
        var app = builder.Build();
        map(app);
        await app.StartAsync().WaitAsync(HarkTestServer.Patience);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ApplicationServer(app, new Uri(address));
    }

    public Uri Url(string path) => new(Address, path);

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
