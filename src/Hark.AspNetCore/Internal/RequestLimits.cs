using System.Collections.Concurrent;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Hark.AspNetCore.Internal;

/// <summary>
/// Per-client limits, built from the framework's rate limiters: new subscriptions per second per address,
/// publishes per second per key, and held requests per address. Behind a reverse proxy, enable forwarded
/// headers so the address is the client's, not the proxy's.
/// </summary>
internal sealed class RequestLimits : IDisposable
{
    private readonly PartitionedRateLimiter<string> _subscriptions;
    private readonly PartitionedRateLimiter<string> _publishes;
    private static readonly IPAddress Local = IPAddress.None;

    // Keyed by the address itself: held requests are counted on every poll, and formatting the address
    // as a string there would allocate each time.
    private readonly ConcurrentDictionary<IPAddress, int> _held = new();
    private readonly int _maxHeld;

    public RequestLimits(IOptions<HarkOptions> options)
    {
        var limits = options.Value.Limits;
        _maxHeld = limits.MaxHeldPerAddress;
        _subscriptions = Buckets(limits.NewSubscriptionsPerSecond, limits.NewSubscriptionsBurst);
        _publishes = Buckets(limits.PublishesPerSecond, limits.PublishBurst);
    }

    /// <summary>
    /// Admits a subscriber request from <paramref name="address"/> and counts it as held, or says why not.
    /// Starting over (no cursor) and opening a stream count against the new-subscription rate; a re-poll
    /// with its cursor is bounded by the held-requests limit instead. On success the caller must
    /// <see cref="Release"/> the address when the request ends.
    /// </summary>
    public Problem? AdmitAndHold(SubscribeRequest request, IPAddress address)
    {
        if ((request.Cursor is null || request.Transport != TransportKind.LongPoll) && AdmitSubscription(address) is { } tooFast)
        {
            return tooFast;
        }
        return TryHold(address) ? null : TooManyHeld(_maxHeld);
    }

    /// <summary>The address limits count <paramref name="context"/>'s client by.</summary>
    public static IPAddress AddressOf(HttpContext context) => Client(context.Connection.RemoteIpAddress);

    private Problem? AdmitSubscription(IPAddress address) =>
        Admit(_subscriptions, address.ToString(), "too-many-subscriptions", "Too many new subscriptions",
            "This address starts subscriptions faster than the server allows; resume with a cursor, or wait.");

    // byKey: keys are configured and this caller's key was checked as one of them.
    public Problem? AdmitPublish(HttpContext context, bool byKey)
    {
        // Keyed publishers share a bucket per key, others one per address. Only checked keys become
        // partitions, so a caller sending made-up keys cannot grow the limiter's table.
        var header = context.Request.Headers.Authorization.ToString();
        var partition = byKey && header.Length > 0 ? header : AddressOf(context).ToString();
        return Admit(_publishes, partition, "too-many-publishes", "Too many publishes", "This publisher publishes faster than the server allows; wait and retry.");
    }

    /// <summary>Counts a held subscriber request for <paramref name="address"/>; false (and nothing counted) when the address is at its limit.</summary>
    public bool TryHold(IPAddress address)
    {
        while (true)
        {
            var now = _held.GetValueOrDefault(address);
            if (now >= _maxHeld)
            {
                return false;
            }
            if (now == 0 ? _held.TryAdd(address, 1) : _held.TryUpdate(address, now + 1, now))
            {
                return true;
            }
        }
    }

    public void Release(IPAddress address)
    {
        while (true)
        {
            var now = _held.GetValueOrDefault(address);
            if (now <= 1 ? _held.TryRemove(new KeyValuePair<IPAddress, int>(address, now)) : _held.TryUpdate(address, now - 1, now))
            {
                return;
            }
        }
    }

    public static Problem TooManyHeld(int max) => Problem.TooMany("too-many-connections", "Too many open subscriptions",
        $"This address holds {max} subscriber requests open, the most allowed.", 5);

    public int MaxHeld => _maxHeld;

    private static Problem? Admit(PartitionedRateLimiter<string> limiter, string partition, string type, string title, string detail)
    {
        using var lease = limiter.AttemptAcquire(partition);
        if (lease.IsAcquired)
        {
            return null;
        }
        var retry = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? (int)Math.Ceiling(after.TotalSeconds) : 1;
        return Problem.TooMany(type, title, detail, retry);
    }

    private static PartitionedRateLimiter<string> Buckets(int perSecond, int burst) =>
        PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = perSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    /// <summary>The address limits are counted by: IPv4 as itself even when mapped into IPv6, and one shared key for none.</summary>
    public static IPAddress Client(IPAddress? remote) =>
        remote is null ? Local : remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote;

    public void Dispose()
    {
        _subscriptions.Dispose();
        _publishes.Dispose();
    }
}
