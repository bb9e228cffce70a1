using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Hark.AspNetCore.Internal.Auth;

/// <summary>
/// Signs and reads grants: <c>v1.{payload}.{mac}</c>, the payload base64url JSON (<c>c</c> the channels, <c>u</c> the
/// user, <c>e</c> the expiry in Unix seconds) and the mac its HMAC-SHA256 under <see cref="AuthOptions.GrantKey"/>, or a
/// key made at start-up. Any change to the channels, user or expiry breaks the mac.
/// </summary>
internal sealed class GrantSigner
{
    private const string Version = "v1.";

    private readonly byte[] _key;

    public GrantSigner(IOptions<HarkOptions> options)
    {
        var configured = options.Value.Auth.GrantKey;
        _key = string.IsNullOrEmpty(configured) ? RandomNumberGenerator.GetBytes(32) : Encoding.UTF8.GetBytes(configured);
    }

    public string Sign(Grant grant)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(new GrantPayload([.. grant.Channels], grant.User, grant.Expires.ToUnixTimeSeconds()),
            HarkJsonContext.Default.GrantPayload);
        return Version + Base64UrlEncoder.Encode(payload) + "." + Base64UrlEncoder.Encode(HMACSHA256.HashData(_key, payload));
    }

    /// <summary>The grant <paramref name="text"/> carries, or null when it is malformed or its mac does not match (forged, widened).</summary>
    public Grant? Read(string text)
    {
        if (!text.StartsWith(Version, StringComparison.Ordinal) || text.Length > 8192)
        {
            return null;
        }
        var dot = text.IndexOf('.', Version.Length);
        if (dot < 0)
        {
            return null;
        }
        try
        {
            var payload = Base64UrlEncoder.DecodeBytes(text[Version.Length..dot]);
            var mac = Base64UrlEncoder.DecodeBytes(text[(dot + 1)..]);
            if (!CryptographicOperations.FixedTimeEquals(mac, HMACSHA256.HashData(_key, payload)))
            {
                return null;
            }
            var read = JsonSerializer.Deserialize(payload, HarkJsonContext.Default.GrantPayload);
            return read?.C is null ? null : new Grant(read.C, read.U, DateTimeOffset.FromUnixTimeSeconds(read.E));
        }
        catch (Exception e) when (e is FormatException or ArgumentException or JsonException)
        {
            return null;
        }
    }
}

/// <summary>A grant's signed payload, with short names: it travels on every re-poll.</summary>
internal sealed record GrantPayload(List<string> C, string? U, long E);
