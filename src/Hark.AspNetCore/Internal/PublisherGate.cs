using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Hark.AspNetCore.Internal;

/// <summary>
/// Decides who may publish to a channel (and read its info or delete it): a channel matching a rule needs one
/// of that rule's keys; any other channel one of the general keys; with no keys at all, anyone when open
/// publishing is on, else loopback callers only. Keys are compared as hashes, in constant time.
/// </summary>
internal sealed class PublisherGate
{
    private readonly byte[][] _keys;
    private readonly (string Pattern, byte[][] Keys)[] _rules;
    private readonly bool _allowOpen;

    public PublisherGate(IOptions<HarkOptions> options)
    {
        var publish = options.Value.Publish;
        _keys = Hashes(publish.Keys);
        _rules = [.. publish.Rules.Select(r => (r.Pattern, Hashes(r.Keys)))];
        _allowOpen = publish.AllowOpen;
    }

    public bool HasKeys => _keys.Length > 0 || _rules.Length > 0;

    /// <summary>Checks the caller for every channel; null when it may publish to all of them.</summary>
    public Problem? Check(HttpContext context, IEnumerable<string> channels)
    {
        var presented = Presented(context);
        foreach (var channel in channels)
        {
            if (CheckOne(context, channel, presented) is { } problem)
            {
                return problem;
            }
        }
        return null;
    }

    public Problem? Check(HttpContext context, string channel) => CheckOne(context, channel, Presented(context));

    /// <summary>401 when a key is presented that no general key or rule knows (its channels are checked later).</summary>
    public Problem? CheckKnownKey(HttpContext context)
    {
        var presented = Presented(context);
        return presented is null || !HasKeys || Contains(_keys, presented) || _rules.Any(r => Contains(r.Keys, presented)) ? null : InvalidKey();
    }

    private Problem? CheckOne(HttpContext context, string channel, byte[]? presented)
    {
        var rule = Array.FindIndex(_rules, r => ChannelPattern.Matches(r.Pattern, channel));
        var allowed = rule >= 0 ? _rules[rule].Keys : _keys;
        if (allowed.Length == 0)
        {
            return _allowOpen || IsLocal(context) ? null : new Problem(StatusCodes.Status403Forbidden, "publish-forbidden",
                "Publishing not allowed", "No publisher keys are configured, so only loopback callers may publish.");
        }
        if (presented is null)
        {
            return new Problem(StatusCodes.Status401Unauthorized, "missing-key", "Publisher key required",
                "Send the publisher key as 'Authorization: Bearer {key}'.");
        }
        if (Contains(allowed, presented))
        {
            return null;
        }
        var known = Contains(_keys, presented) || _rules.Any(r => Contains(r.Keys, presented));
        return known
            ? new Problem(StatusCodes.Status403Forbidden, "key-not-allowed", "Key not allowed on this channel", $"This publisher key may not publish to channel '{channel}'.")
            : InvalidKey();
    }

    private static Problem InvalidKey() =>
        new(StatusCodes.Status401Unauthorized, "invalid-key", "Invalid publisher key", "The publisher key is not one of the configured keys.");

    private static byte[]? Presented(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        // Hashing first makes the comparison constant-time whatever the lengths.
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? SHA256.HashData(Encoding.UTF8.GetBytes(header.AsSpan(7).Trim().ToString()))
            : null;
    }

    private static bool Contains(byte[][] hashes, byte[] presented)
    {
        var match = false;
        foreach (var key in hashes)
        {
            match |= CryptographicOperations.FixedTimeEquals(presented, key);
        }
        return match;
    }

    private static byte[][] Hashes(IEnumerable<string> keys) =>
        [.. keys.Where(k => !string.IsNullOrEmpty(k)).Select(k => SHA256.HashData(Encoding.UTF8.GetBytes(k)))];

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
