using Hark.Internal;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Hark.Redis.Internal;

/// <summary>Starts the engine with the host, before Kestrel takes requests: connects and subscribes.</summary>
internal sealed class RedisStartup(IHarkEngine engine, IOptions<RedisOptions> options, TimeProvider time) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => engine is RedisEngine redis
        ? StoreStartup.RetryAsync(redis.StartAsync, options.Value.StartupTimeout, time, cancellationToken)
        : Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
