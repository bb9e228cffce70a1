using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Hark.Client;

/// <summary>
/// Mints subscriber tokens: HS256 JWTs whose <c>channels</c> claim lists the channels or patterns
/// (<c>user.42</c>, <c>qr.*</c>) the bearer may read, with an expiry. A backend hands one to each page.
/// </summary>
public static class HarkSubscriberToken
{
    /// <summary>
    /// Creates a token signed with <paramref name="key"/> (one of the server's <c>Hark:Subscribe:TokenKeys</c>); a
    /// <paramref name="user"/> becomes its <c>sub</c>, the user presence lists for its subscriber.
    /// </summary>
    public static string Create(string key, IEnumerable<string> channels, TimeSpan lifetime, TimeProvider? time = null, string? user = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(channels);
        if (Encoding.UTF8.GetByteCount(key) < 32)
        {
            throw new ArgumentException("An HS256 key must be at least 32 bytes.", nameof(key));
        }
        var now = (time ?? TimeProvider.System).GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Claims = user is null
                ? new Dictionary<string, object> { ["channels"] = channels.ToArray() }
                : new Dictionary<string, object> { ["channels"] = channels.ToArray(), ["sub"] = user },
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
        });
    }
}
