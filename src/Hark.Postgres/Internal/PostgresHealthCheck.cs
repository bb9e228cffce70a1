using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Hark.Postgres.Internal;

/// <summary>Ready while this node listens to the database: without it, publishes on other nodes would not reach its subscribers.</summary>
internal sealed class PostgresHealthCheck(IHarkEngine engine) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(engine is PostgresEngine { IsListening: false }
            ? HealthCheckResult.Unhealthy("Not listening to the database; reconnecting.")
            : HealthCheckResult.Healthy("Listening to the database."));
}
