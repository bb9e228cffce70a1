using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Hark.Postgres.Internal;

/// <summary>
/// Starts the engine with the host, before Kestrel takes requests: migrates the schema and starts listening.
/// Nodes often start together with their database, so a database that is not up yet is retried for a while.
/// </summary>
internal sealed class PostgresStartup(IHarkEngine engine, IOptions<PostgresOptions> options, TimeProvider time) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (engine is not PostgresEngine postgres)
        {
            return;
        }
        var started = time.GetTimestamp();
        while (true)
        {
            try
            {
                await postgres.StartAsync(cancellationToken);
                return;
            }
            catch (HarkUnavailableException) when (time.GetElapsedTime(started) < options.Value.StartupTimeout)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
