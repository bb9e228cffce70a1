using Hark.Internal;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Hark.Postgres.Internal;

/// <summary>Starts the engine with the host, before Kestrel takes requests: migrates the schema and starts listening.</summary>
internal sealed class PostgresStartup(IHarkEngine engine, IOptions<PostgresOptions> options, TimeProvider time) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => engine is PostgresEngine postgres
        ? StoreStartup.RetryAsync(postgres.StartAsync, options.Value.StartupTimeout, time, cancellationToken)
        : Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
