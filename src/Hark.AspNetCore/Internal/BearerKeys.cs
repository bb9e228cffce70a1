using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Hark.AspNetCore.Internal;

/// <summary>
/// Configured secrets a caller presents as <c>Authorization: Bearer {key}</c> (publisher keys, the admin key):
/// kept and compared as SHA-256 hashes, in constant time; and the loopback rule that applies when none is configured.
/// </summary>
internal sealed class BearerKeys(IEnumerable<string> keys)
{
    private readonly byte[][] _hashes = [.. keys.Where(k => !string.IsNullOrEmpty(k)).Select(Hash)];

    public bool IsEmpty => _hashes.Length == 0;

    /// <summary>Whether <paramref name="presented"/> (a hash from <see cref="Presented(HttpContext)"/>) is one of these keys.</summary>
    public bool Contains(byte[]? presented)
    {
        if (presented is null)
        {
            return false;
        }
        var match = false;
        foreach (var key in _hashes)
        {
            match |= CryptographicOperations.FixedTimeEquals(presented, key);
        }
        return match;
    }

    /// <summary>The hash of the bearer key the request presents, or null.</summary>
    public static byte[]? Presented(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? Hash(header.AsSpan(7).Trim().ToString()) : null;
    }

    /// <summary>
    /// Hashing first makes the comparison constant-time whatever the lengths. A presented value goes through the same
    /// function as the configured keys.
    /// </summary>
    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>Whether the caller is on this machine and not a reverse proxy forwarding someone else.</summary>
    public static bool IsLocal(HttpContext context)
    {
        // A loopback peer that forwards for someone else is a reverse proxy: its clients are not local.
        var headers = context.Request.Headers;
        if (headers.ContainsKey("X-Forwarded-For") || headers.ContainsKey("Forwarded"))
        {
            return false;
        }
        var remote = context.Connection.RemoteIpAddress;
        if (remote is null)
        {
            return true;
        }
        return IPAddress.IsLoopback(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote);
    }
}
