namespace Hark.AspNetCore;

/// <summary>Where the application's signing keys are published (<c>Hark:Auth:Jwks:*</c>).</summary>
public sealed class JwksOptions
{
    /// <summary>The JWKS URL (such as an identity provider's <c>…/.well-known/jwks.json</c>). Default none.</summary>
    public string? Url { get; set; }

    /// <summary>How long fetched keys are used before they are fetched again. Default 1 h.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The least time between two fetches caused by tokens naming a <c>kid</c> the cached set lacks, so made-up key
    /// ids cannot make Hark hammer the issuer. Default 30 s.
    /// </summary>
    public TimeSpan MinRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one fetch may take. Default 10 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}
