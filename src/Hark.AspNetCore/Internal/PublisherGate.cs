using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Hark.AspNetCore.Internal;

/// <summary>
/// Decides who may publish: a configured bearer key (compared in constant time); or, with no keys,
/// anyone when open publishing is on, else loopback callers only.
/// </summary>
internal sealed class PublisherGate
{
    private readonly byte[][] _keyHashes;
    private readonly bool _allowOpen;

    public PublisherGate(IOptions<HarkOptions> options)
    {
        var publish = options.Value.Publish;
        _keyHashes = [.. publish.Keys.Where(k => !string.IsNullOrEmpty(k)).Select(k => SHA256.HashData(Encoding.UTF8.GetBytes(k)))];
        _allowOpen = publish.AllowOpen;
    }

    public bool HasKeys => _keyHashes.Length > 0;

    public Problem? Check(HttpContext context)
    {
        if (_keyHashes.Length == 0)
        {
            return _allowOpen || IsLocal(context) ? null : new Problem(StatusCodes.Status403Forbidden, "publish-forbidden",
                "Publishing not allowed", "No publisher keys are configured, so only loopback callers may publish.");
        }
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return new Problem(StatusCodes.Status401Unauthorized, "missing-key", "Publisher key required",
                "Send the publisher key as 'Authorization: Bearer {key}'.");
        }
        // Hashing first makes the comparison constant-time whatever the lengths.
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header.AsSpan(7).Trim().ToString()));
        var match = false;
        foreach (var key in _keyHashes)
        {
            match |= CryptographicOperations.FixedTimeEquals(presented, key);
        }
        return match ? null : new Problem(StatusCodes.Status401Unauthorized, "invalid-key", "Invalid publisher key",
            "The publisher key is not one of the configured keys.");
    }

    private static bool IsLocal(HttpContext context)
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
