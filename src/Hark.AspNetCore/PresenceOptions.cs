namespace Hark.AspNetCore;

/// <summary>Presence: who is on a channel now, and join/leave as they happen, for the channels it is turned on for.</summary>
public sealed class PresenceOptions
{
    /// <summary>
    /// The channel patterns that track presence (<c>room.*</c>, <c>confirm.*</c>); none by default. Subscribers naming a
    /// <c>client</c> id on such a channel hold a lease, joins and leaves are published on its companion channel
    /// <c>~presence.{channel}</c>, and <c>GET /pub/{channel}/presence</c> lists who is there. A tracked channel's name is at
    /// most 118 characters (its companion's is at most 128).
    /// </summary>
    public List<string> Channels { get; set; } = [];

    /// <summary>
    /// How long a long-poll client stays present at least after its poll ends (it is between polls; it leaves within two
    /// graces), and how long a dead node's leases outlive it, give or take a quarter. Default 10 s: a re-poll
    /// and a few of the client's retries after an error.
    /// </summary>
    public TimeSpan Grace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The most clients a presence answer lists (its count is always exact); a request's <c>limit</c> may ask for fewer. Default 100.</summary>
    public int MaxListed { get; set; } = 100;
}
