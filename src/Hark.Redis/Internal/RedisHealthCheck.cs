using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Hark.Redis.Internal;

/// <summary>Ready while this node's wake-up subscription delivers: without it, publishes on other nodes would not reach its subscribers.</summary>
internal sealed class RedisHealthCheck(IHarkEngine engine) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(engine is RedisEngine { IsListening: false }
            ? HealthCheckResult.Unhealthy("Not subscribed to Redis; reconnecting.")
            : HealthCheckResult.Healthy("Subscribed to Redis."));
}
