using Hark.Hub;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Hark.AspNetCore.Internal;

/// <summary>Ready while the engine serves and the server is not shutting down.</summary>
internal sealed class EngineHealthCheck(IHarkEngine engine, DeadlineWheel wheel) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object> { ["channels"] = engine.ChannelCount, ["held"] = wheel.Count };
        return Task.FromResult(wheel.IsStopped
            ? HealthCheckResult.Unhealthy("Shutting down.", data: data)
            : HealthCheckResult.Healthy("Serving.", data));
    }
}
