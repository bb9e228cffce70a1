using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Hark.Server.Demos;

/// <summary>The demo's signed-in state: a cookie holding the user and an expiry, signed with HMAC-SHA256.</summary>
public sealed class DemoSession(DemoKeys keys, IOptions<DemoOptions> options, TimeProvider time)
{
    public const string CookieName = "hark_demo_session";

    public void SignIn(HttpResponse response, string user)
    {
        var expires = time.GetUtcNow() + options.Value.SessionLifetime;
        var content = WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(user + "\n" + expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));
        response.Cookies.Append(CookieName, content + "." + Mac(content), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Path = "/",
            Expires = expires,
        });
    }

    /// <summary>The signed-in user, or null.</summary>
    public string? User(HttpRequest request)
    {
        if (request.Cookies[CookieName] is not { } cookie || cookie.Split('.') is not [var content, var mac]
            || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(mac), Encoding.ASCII.GetBytes(Mac(content))))
        {
            return null;
        }
        var parts = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(content)).Split('\n');
        return parts.Length == 2 && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var expires)
            && expires > time.GetUtcNow().ToUnixTimeSeconds() ? parts[0] : null;
    }

    private string Mac(string content) => WebEncoders.Base64UrlEncode(HMACSHA256.HashData(keys.Session, Encoding.ASCII.GetBytes(content)));
}
