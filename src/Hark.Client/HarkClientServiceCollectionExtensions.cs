using Hark.Client;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="HarkClient"/> with <c>IHttpClientFactory</c>.</summary>
public static class HarkClientServiceCollectionExtensions
{
    /// <summary>Adds a typed <see cref="HarkClient"/> whose HttpClient comes from the factory, configured by <paramref name="configure"/>.</summary>
    public static IHttpClientBuilder AddHarkClient(this IServiceCollection services, Action<HarkClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.Configure(configure);
        return services.AddHttpClient<HarkClient>((sp, http) =>
        {
            var options = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<HarkClientOptions>>().Value;
            http.BaseAddress = options.BaseAddress;
            // Long-polls are held up to PollTimeout; leave room for the answer to arrive.
            http.Timeout = options.PollTimeout + TimeSpan.FromSeconds(30);
        });
    }
}
