using Hark.Hub;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hark.AspNetCore.Internal;

/// <summary>
/// Starts the engine with the host (so a bad setting fails at start-up, not at the first request), and
/// on shutdown answers every held request at once, before the server stops taking requests.
/// </summary>
internal sealed partial class HarkLifetime(
    IHarkEngine engine, FanoutHub hub, PublisherGate gate, IOptions<HarkOptions> options,
    IHostApplicationLifetime lifetime, ILogger<HarkLifetime> logger) : IHostedService
{
    private CancellationTokenRegistration _stopping;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        Log.Started(logger, settings.Engine, engine.GetType().Name);
        if (!gate.HasKeys)
        {
            if (settings.Publish.AllowOpen)
            {
                Log.OpenPublishing(logger);
            }
            else
            {
                Log.LoopbackPublishing(logger);
            }
        }
        _stopping = lifetime.ApplicationStopping.Register(() => Log.AnsweredOnShutdown(logger, hub.Stop()));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Dispose();
        return Task.CompletedTask;
    }
}
