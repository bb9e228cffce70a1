using System.Collections.Concurrent;
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
    private readonly ConcurrentDictionary<string, int> _held = new(StringComparer.Ordinal);
    private readonly int _maxHeld;

    public RequestLimits(IOptions<HarkOptions> options)
    {
        var limits = options.Value.Limits;
        _maxHeld = limits.MaxHeldPerAddress;
        _subscriptions = Buckets(limits.NewSubscriptionsPerSecond, limits.NewSubscriptionsBurst);
        _publishes = Buckets(limits.PublishesPerSecond, limits.PublishBurst);
    }

    public Problem? AdmitSubscription(HttpContext context) =>
        Admit(_subscriptions, AddressOf(context), "too-many-subscriptions", "Too many new subscriptions",
            "This address starts subscriptions faster than the server allows; resume with a cursor, or wait.");

    public Problem? AdmitPublish(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        // Keyed publishers share a bucket per key (hashed: the key itself is never kept); others per address.
        var partition = header.Length > 0 ? "key:" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(header))) : AddressOf(context);
        return Admit(_publishes, partition, "too-many-publishes", "Too many publishes", "This publisher publishes faster than the server allows; wait and retry.");
    }

    /// <summary>Counts a held subscriber request for its address; false (and nothing counted) when the address is at its limit.</summary>
    public bool TryHold(HttpContext context, out string address)
    {
        address = AddressOf(context);
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

    public void Release(string address)
    {
        while (true)
        {
            var now = _held.GetValueOrDefault(address);
            if (now <= 1 ? _held.TryRemove(new KeyValuePair<string, int>(address, now)) : _held.TryUpdate(address, now - 1, now))
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

    private static string AddressOf(HttpContext context)
    {
        var remote = context.Connection.RemoteIpAddress;
        return remote is null ? "local" : (remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote).ToString();
    }

    public void Dispose()
    {
        _subscriptions.Dispose();
        _publishes.Dispose();
    }

}
