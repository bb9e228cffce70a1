namespace Hark.AspNetCore;

/// <summary>
/// Authorization delegated to the application (<c>Hark:Auth:*</c>): tokens from its own issuer (RS256/ES256 keys from a
/// JWKS URL or PEM public keys, with <c>iss</c>/<c>aud</c> checks), and an authorization hook that Hark calls once per
/// subscription, whose answer travels with the subscription as a signed grant.
/// </summary>
public sealed class AuthOptions
{
    /// <summary>The <c>iss</c> every subscriber token must carry; empty accepts any (and none). Default empty.</summary>
    public string? Issuer { get; set; }

    /// <summary>The <c>aud</c> every subscriber token must name; empty accepts any (and none). Default empty.</summary>
    public string? Audience { get; set; }

    /// <summary>
    /// RSA or EC public keys in PEM (<c>-----BEGIN PUBLIC KEY-----</c>), or paths of files holding one, for RS256/ES256
    /// tokens. Several may be valid at once, for rotation. Default none.
    /// </summary>
    public IList<string> PublicKeys { get; set; } = [];

    /// <summary>The application's JSON Web Key Set, fetched and cached.</summary>
    public JwksOptions Jwks { get; set; } = new();

    /// <summary>The authorization hook: the application's URL that decides each subscription.</summary>
    public AuthHookOptions Hook { get; set; } = new();

    /// <summary>
    /// The secret (at least 32 bytes) that signs grants. Without it each process makes its own at start-up, so a grant
    /// works only on the node that issued it: set the same key on every node of a deployment. Default none.
    /// </summary>
    public string? GrantKey { get; set; }
}
