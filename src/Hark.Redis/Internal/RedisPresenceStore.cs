using System.Globalization;
using Hark.Presence;
using StackExchange.Redis;

namespace Hark.Redis.Internal;

/// <summary>
/// The leases of presence in Redis, over the engine's connection. Per channel, three keys sharing one hash slot:
/// <c>{prefix}p:{channel}:u</c> (a sorted set, client by end in ms of Redis's clock), <c>…:s</c> (client by start in µs,
/// so a read lists the earliest first) and <c>…:d</c> (a hash, client to its transport and user). <c>{prefix}presence</c>
/// indexes the channels by a lower bound of their earliest end, so a sweep finds lapsed leases without a scan.
/// </summary>
/// <remarks>
/// A batch is one script per channel (see <see cref="Scripts.RenewLeases"/>), all sent at once; each is atomic, and
/// updates the index in the same step, so like the engine's scripts they are not for Redis Cluster.
/// </remarks>
internal sealed class RedisPresenceStore(RedisEngine engine, RedisOptions options) : IPresenceStore
{
    private readonly RedisKey _index = new(options.KeyPrefix + "presence");

    // A channel's keys outlive its last renewal by Hark:Redis:IdleChannelTtl: leases no node is left to sweep do not stay for ever.
    private readonly long _keyTtl = (long)Math.Ceiling(options.IdleChannelTtl.TotalMilliseconds);

    public async ValueTask<IReadOnlyList<LeaseRenewal>> RenewAsync(IReadOnlyList<PresenceEntry> entries, TimeSpan ttl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var ttlMs = (long)ttl.TotalMilliseconds;
        var channels = ByChannel(entries, e => e.Channel);
        var answers = await RunAsync(db => channels.Select(c =>
        {
            var args = new List<RedisValue> { c.Key, ttlMs, ttlMs + _keyTtl };
            foreach (var i in c.Value)
            {
                args.AddRange([entries[i].Client, Details(entries[i])]);
            }
            return db.ScriptEvaluateAsync(Scripts.RenewLeases, [.. Keys(c.Key), _index], [.. args]);
        }), cancellationToken);
        var results = new LeaseRenewal[entries.Count];
        foreach (var ((_, indexes), answer) in channels.Zip(answers))
        {
            var row = (RedisResult[])answer!;
            for (var j = 0; j < indexes.Count; j++)
            {
                results[indexes[j]] = new LeaseRenewal((long)row[2 * j] == 1, long.Parse((string)row[2 * j + 1]!, NumberStyles.None, CultureInfo.InvariantCulture));
            }
        }
        return results;
    }

    public async ValueTask<IReadOnlyList<bool>> RemoveAsync(IReadOnlyList<PresenceRemoval> removals, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(removals);
        var channels = ByChannel(removals, r => r.Channel);
        var answers = await RunAsync(db => channels.Select(c =>
        {
            var args = new List<RedisValue> { c.Key };
            foreach (var i in c.Value)
            {
                args.AddRange([removals[i].Client, removals[i].IfUntil]);
            }
            return db.ScriptEvaluateAsync(Scripts.RemoveLeases, [.. Keys(c.Key), _index], [.. args]);
        }), cancellationToken);
        var results = new bool[removals.Count];
        foreach (var ((_, indexes), answer) in channels.Zip(answers))
        {
            var row = (RedisResult[])answer!;
            for (var j = 0; j < indexes.Count; j++)
            {
                results[indexes[j]] = (long)row[j] == 1;
            }
        }
        return results;
    }

    public async ValueTask<IReadOnlyList<PresenceExpiry>> TakeExpiredAsync(int max, CancellationToken cancellationToken)
    {
        if (max <= 0)
        {
            return [];
        }
        // The index only narrows the search: the second script takes what has lapsed, channel by channel, atomically.
        var lapsed = (string[])(await RunAsync(db => [db.ScriptEvaluateAsync(Scripts.LapsedChannels, [_index], [max])], cancellationToken))[0]!;
        if (lapsed.Length == 0)
        {
            return [];
        }
        var taken = (RedisResult[])(await RunAsync(db => [db.ScriptEvaluateAsync(Scripts.TakeLapsedLeases,
            [_index, .. lapsed.SelectMany(Keys)], [max, .. lapsed.Select(c => (RedisValue)c)])], cancellationToken))[0]!;
        var expiries = new List<PresenceExpiry>(taken.Length / 4);
        for (var i = 0; i < taken.Length; i += 4)
        {
            expiries.Add(new PresenceExpiry((string)taken[i]!, Client(taken, i + 1)));
        }
        return expiries;
    }

    public async ValueTask<PresenceSnapshot> ReadAsync(string channel, int max, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var row = (RedisResult[])(await RunAsync(db => [db.ScriptEvaluateAsync(Scripts.ReadLeases, Keys(channel), [Math.Max(0, max)])], cancellationToken))[0]!;
        var clients = new List<PresentClient>((row.Length - 1) / 3);
        for (var i = 1; i < row.Length; i += 3)
        {
            clients.Add(Client(row, i));
        }
        return new PresenceSnapshot((int)row[0], clients);
    }

    /// <summary>A channel's keys: ends, starts and details. The braces put all three in one hash slot.</summary>
    private RedisKey[] Keys(string channel)
    {
        var stem = options.KeyPrefix + "p:{" + channel + "}:";
        return [stem + "u", stem + "s", stem + "d"];
    }

    /// <summary>Sends the scripts at once (one round trip) after the engine's start; an unreachable Redis is a 503.</summary>
    private async Task<RedisResult[]> RunAsync(Func<IDatabase, IEnumerable<Task<RedisResult>>> scripts, CancellationToken cancellationToken)
    {
        await engine.StartAsync(cancellationToken);
        try
        {
            return await Task.WhenAll(scripts(engine.Database).ToList());
        }
        catch (Exception e) when (RedisErrors.IsUnavailable(e))
        {
            throw RedisErrors.Unavailable(e);
        }
    }

    /// <summary>The items' positions, grouped by channel in the order each channel first appears.</summary>
    private static List<KeyValuePair<string, List<int>>> ByChannel<T>(IReadOnlyList<T> items, Func<T, string> channel)
    {
        var groups = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var name = channel(items[i]);
            if (!groups.TryGetValue(name, out var indexes))
            {
                groups[name] = indexes = [];
            }
            indexes.Add(i);
        }
        return [.. groups];
    }

    // "{length of transport} {transport}" then "-" (no user) or "=" and the user, which may hold any character.
    private static string Details(PresenceEntry entry) =>
        string.Create(CultureInfo.InvariantCulture, $"{entry.Transport.Length} {entry.Transport}{(entry.User is null ? "-" : "=" + entry.User)}");

    /// <summary>Reads client, since (µs) and details from <paramref name="at"/> on.</summary>
    private static PresentClient Client(RedisResult[] row, int at)
    {
        var since = DateTimeOffset.UnixEpoch.AddTicks(long.Parse((string)row[at + 1]!, NumberStyles.None, CultureInfo.InvariantCulture) * 10);
        var details = (string)row[at + 2]!;
        var space = details.IndexOf(' ', StringComparison.Ordinal);
        if (space > 0 && int.TryParse(details.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var length)
            && space + 1 + length < details.Length)
        {
            var rest = space + 1 + length;
            return new PresentClient((string)row[at]!, details[rest] == '=' ? details[(rest + 1)..] : null, details.Substring(space + 1, length), since);
        }
        return new PresentClient((string)row[at]!, null, "", since);
    }
}
