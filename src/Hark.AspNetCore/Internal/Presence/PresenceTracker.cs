using System.Collections.Concurrent;
using Hark.Presence;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hark.AspNetCore.Internal.Presence;

/// <summary>
/// This node's presence: the leases its subscribers hold on tracked channels (<see cref="PresenceOptions.Channels"/>),
/// kept in the shared <see cref="IPresenceStore"/> by one loop (<see cref="PassAsync"/>) that writes new leases at once,
/// renews held ones, ends those whose stream or socket closed, sweeps leases no node renews any more (a long-poll client
/// gone for the grace, a dead node's), and publishes each join and leave on the channel's companion
/// (<c>~presence.{channel}</c>), in order, as history like any other. A request only touches the node's own table; the
/// store is written by the loop, so a re-poll costs no store call.
/// </summary>
internal sealed partial class PresenceTracker : BackgroundService
{
    /// <summary>The prefix of every companion channel.</summary>
    public const string CompanionPrefix = "~presence.";

    /// <summary>The longest tracked channel: its companion's name must be a channel name too.</summary>
    public const int MaxTrackedLength = ChannelName.MaxLength - 10;

    /// <summary>The longest client id.</summary>
    public const int MaxClientLength = 64;

    private readonly ConcurrentDictionary<(string Channel, string Client), LocalLease> _leases = new();
    private readonly IHarkEngine _engine;
    private readonly IPresenceStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HarkMetrics _metrics;
    private readonly string[] _patterns;
    private readonly long _graceMs;
    private readonly long _renewEveryMs;

    public PresenceTracker(IHarkEngine engine, IPresenceStore store, IOptions<HarkOptions> options, HarkMetrics metrics, TimeProvider time,
        ILogger<PresenceTracker> logger)
    {
        _metrics = metrics;
        metrics.PresenceLeases = () => _leases.Count;
        _engine = engine;
        _store = store;
        _time = time;
        _logger = logger;
        var presence = options.Value.Presence;
        _patterns = [.. presence.Channels];
        _graceMs = (long)presence.Grace.TotalMilliseconds;
        // A held lease is written every quarter grace, each write good for a grace and a quarter: it never lapses between
        // writes, and once no request holds it (a long-poll client between polls) it lapses a grace to a grace and a
        // quarter after its last poll, on whichever node that was. A renewal never shortens a lease, so no node ends
        // another's claim: a long-poll's leave is the sweep's, never a removal.
        _renewEveryMs = Math.Max(_graceMs / 4, 1);
        Tick = TimeSpan.FromMilliseconds(Math.Clamp(_graceMs / 4, 50, 1000));
        MaxListed = presence.MaxListed;
    }

    /// <summary>Whether any channel tracks presence.</summary>
    public bool Enabled => _patterns.Length > 0;

    /// <summary>How often the loop runs when nothing asks it sooner.</summary>
    public TimeSpan Tick { get; }

    /// <summary>The most clients a presence answer lists.</summary>
    public int MaxListed { get; }

    /// <summary>The lease's time in the store, from each write: the grace and the time to the next write.</summary>
    private TimeSpan StoreTtl => TimeSpan.FromMilliseconds(_graceMs + _renewEveryMs);

    /// <summary>Whether <paramref name="channel"/> tracks presence (never a server channel, a <c>~</c> one).</summary>
    public bool Tracks(string channel)
    {
        if (_patterns.Length == 0 || channel.Length > MaxTrackedLength || channel.StartsWith('~'))
        {
            return false;
        }
        foreach (var pattern in _patterns)
        {
            if (ChannelPattern.Matches(pattern, channel))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The companion channel whose history is <paramref name="channel"/>'s joins and leaves.</summary>
    public static string CompanionOf(string channel) => CompanionPrefix + channel;

    /// <summary>The channel whose companion <paramref name="channel"/> is, or null when it is no companion.</summary>
    public static string? CompanionFor(string channel) =>
        channel.StartsWith(CompanionPrefix, StringComparison.Ordinal) ? channel[CompanionPrefix.Length..] : null;

    /// <summary>Whether <paramref name="client"/> is a client id: 1 to 64 characters of <c>A–Z a–z 0–9 . _ - : @</c>.</summary>
    public static bool IsValidClient(string client) =>
        client.Length is > 0 and <= MaxClientLength && client.AsSpan().IndexOfAnyExcept(ClientChars) < 0;

    private static readonly System.Buffers.SearchValues<char> ClientChars =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-:@");

    /// <summary>
    /// A subscriber on <paramref name="channels"/> is here: it holds a lease on each tracked one until <see cref="Exit"/>.
    /// Null when none is tracked or it named no client.
    /// </summary>
    public LocalLease[]? Enter(IReadOnlyList<string> channels, string? client, string? user, string transport)
    {
        if (client is null || _patterns.Length == 0)
        {
            return null;
        }
        List<LocalLease>? held = null;
        var fresh = false;
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var channel in channels)
        {
            if (!Tracks(channel))
            {
                continue;
            }
            while (true)
            {
                var lease = _leases.GetOrAdd((channel, client), static key => new LocalLease(key.Channel, key.Client));
                lock (lease)
                {
                    if (lease.Removed)
                    {
                        continue;
                    }
                    lease.Holders++;
                    lease.SeenAt = now;
                    lease.User = user;
                    lease.Transport = transport;
                    lease.Closed = false;
                    fresh |= lease.StoreUntil == 0;
                }
                (held ??= []).Add(lease);
                break;
            }
        }
        if (held is null)
        {
            return null;
        }
        if (fresh)
        {
            Signal();
        }
        return [.. held];
    }

    /// <summary>
    /// The subscription that <see cref="Enter"/> gave <paramref name="hold"/> ended: a long-poll's lease is left to lapse in
    /// the store (the client is between polls, present for the grace), a stream's or socket's ends now
    /// (<paramref name="closed"/>) unless another request of the client holds it or polled within the grace.
    /// </summary>
    public void Exit(LocalLease[] hold, bool closed)
    {
        var ended = false;
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var lease in hold)
        {
            lock (lease)
            {
                lease.SeenAt = now;
                if (!closed)
                {
                    lease.PolledAt = now;
                }
                if (--lease.Holders > 0)
                {
                    continue;
                }
                // A stream's close ends the lease, unless the client also polled within the grace: that poll keeps it.
                lease.Closed = closed && now - lease.PolledAt >= _graceMs;
                ended |= lease.Closed;
            }
        }
        if (ended)
        {
            Signal();
        }
    }

    /// <summary>404 when <paramref name="channels"/> name a companion of a channel that does not track presence.</summary>
    public Problem? RefuseCompanions(IReadOnlyList<string> channels)
    {
        for (var i = 0; i < channels.Count; i++)
        {
            if (CompanionFor(channels[i]) is { } tracked && !Tracks(tracked))
            {
                return NotTracked(tracked);
            }
        }
        return null;
    }

    /// <summary>The problem for a presence question about a channel that does not track it.</summary>
    public static Problem NotTracked(string channel) => new(StatusCodes.Status404NotFound, "presence-off", "No presence on this channel",
        $"Channel '{Problem.Shorten(channel)}' does not track presence: name it in Hark:Presence:Channels.")
    {
        Members = new Dictionary<string, object?> { ["channel"] = channel },
    };

    /// <summary>Who is on <paramref name="channel"/>: the exact count and at most <paramref name="max"/> of them.</summary>
    public ValueTask<PresenceSnapshot> ReadAsync(string channel, int max, CancellationToken cancellationToken) =>
        _store.ReadAsync(channel, max, cancellationToken);

    /// <summary>How many leases this node keeps (held or lingering).</summary>
    public int LocalCount => _leases.Count;
}
