using Hark.AspNetCore.Internal.Presence;
using Hark.AspNetCore.Internal.Admin;
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
    private readonly BearerKeys _keys;
    private readonly (string Pattern, BearerKeys Keys)[] _rules;
    private readonly bool _allowOpen;

    public PublisherGate(IOptions<HarkOptions> options)
    {
        var publish = options.Value.Publish;
        _keys = new BearerKeys(publish.Keys);
        _rules = [.. publish.Rules.Select(r => (r.Pattern, new BearerKeys(r.Keys)))];
        _allowOpen = publish.AllowOpen;
    }

    public bool HasKeys => !_keys.IsEmpty || _rules.Length > 0;

    /// <summary>Checks the caller for every channel; null when it may publish to all of them.</summary>
    public Problem? Check(HttpContext context, IEnumerable<string> channels)
    {
        var presented = BearerKeys.Presented(context);
        foreach (var channel in channels)
        {
            if (CheckOne(context, channel, presented) is { } problem)
            {
                return problem;
            }
        }
        return null;
    }

    public Problem? Check(HttpContext context, string channel) => CheckOne(context, channel, BearerKeys.Presented(context));

    /// <summary>401 when a key is presented that no general key or rule knows (its channels are checked later).</summary>
    public Problem? CheckKnownKey(HttpContext context)
    {
        var presented = BearerKeys.Presented(context);
        return presented is null || !HasKeys || _keys.Contains(presented) || _rules.Any(r => r.Keys.Contains(presented)) ? null : InvalidKey();
    }

    private Problem? CheckOne(HttpContext context, string channel, byte[]? presented)
    {
        if (AdminStats.IsAdminChannel(channel) || PresenceTracker.CompanionFor(channel) is not null)
        {
            // Only the server writes the dashboard's and presence's channels: anything from anyone else would be a lie.
            var prefix = AdminStats.IsAdminChannel(channel) ? AdminStats.ChannelPrefix : PresenceTracker.CompanionPrefix;
            return new Problem(StatusCodes.Status403Forbidden, "reserved-channel", "Reserved channel",
                $"Channels starting with '{prefix}' are the server's own; nobody publishes to them.");
        }
        var rule = Array.FindIndex(_rules, r => ChannelPattern.Matches(r.Pattern, channel));
        var allowed = rule >= 0 ? _rules[rule].Keys : _keys;
        if (allowed.IsEmpty)
        {
            return _allowOpen || BearerKeys.IsLocal(context) ? null : new Problem(StatusCodes.Status403Forbidden, "publish-forbidden",
                "Publishing not allowed", "No publisher keys are configured, so only loopback callers may publish.");
        }
        if (presented is null)
        {
            return new Problem(StatusCodes.Status401Unauthorized, "missing-key", "Publisher key required",
                "Send the publisher key as 'Authorization: Bearer {key}'.");
        }
        if (allowed.Contains(presented))
        {
            return null;
        }
        var known = _keys.Contains(presented) || _rules.Any(r => r.Keys.Contains(presented));
        return known
            ? new Problem(StatusCodes.Status403Forbidden, "key-not-allowed", "Key not allowed on this channel", $"This publisher key may not publish to channel '{channel}'.")
            : InvalidKey();
    }

    private static Problem InvalidKey() =>
        new(StatusCodes.Status401Unauthorized, "invalid-key", "Invalid publisher key", "The publisher key is not one of the configured keys.");
}
