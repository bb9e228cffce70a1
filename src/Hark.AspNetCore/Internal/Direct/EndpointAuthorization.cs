using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hark.AspNetCore.Internal.Direct;

/// <summary>
/// Whether the subscribe endpoint that <c>MapHark</c> mapped asks for the framework's authorization
/// (<c>.RequireAuthorization()</c>, <c>[Authorize]</c>-style metadata, or a fallback policy that covers every
/// endpoint without any): then every subscription must pass the pipeline's authorization middleware, and the
/// direct path hands every request over.
/// </summary>
/// <remarks>
/// Listeners are set up before the app maps its endpoints, so the answer is looked up on the first request,
/// when routing has them all, and kept: <c>MapHark</c>'s endpoints do not change while the app runs.
/// CORS metadata (<c>Hark:Cors:Origins</c>, <c>.RequireCors()</c>) needs nothing here: the CORS middleware acts
/// only on requests with an <c>Origin</c>, and the direct path hands every one of those over already.
/// </remarks>
internal sealed partial class EndpointAuthorization
{
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;
    private readonly Lazy<bool> _required;

    public EndpointAuthorization(IServiceProvider services)
    {
        _services = services;
        _logger = services.GetRequiredService<ILogger<EndpointAuthorization>>();
        _required = new Lazy<bool>(Find);
    }

    /// <summary>True when every subscription must go through the pipeline.</summary>
    public bool Required => _required.Value;

    private bool Find()
    {
        var subscribe = (_services.GetService<EndpointDataSource>()?.Endpoints ?? [])
            .Where(e => e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName == HarkEndpointRouteBuilderExtensions.SubscribeEndpointName)
            .ToList();
        if (subscribe.Count == 0)
        {
            // Nothing in the pipeline would answer a subscription either; let it say so.
            Log.NoSubscribeEndpoint(_logger);
            return true;
        }
        var fallback = _services.GetService<IOptions<AuthorizationOptions>>()?.Value.FallbackPolicy is not null;
        if (fallback || subscribe.Any(e => e.Metadata.GetMetadata<IAuthorizeData>() is not null
            || e.Metadata.GetMetadata<AuthorizationPolicy>() is not null || e.Metadata.GetMetadata<IAuthorizationRequirementData>() is not null))
        {
            Log.AuthorizationRequired(_logger);
            return true;
        }
        return false;
    }
}
