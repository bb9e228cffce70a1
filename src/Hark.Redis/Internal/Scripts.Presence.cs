namespace Hark.Redis.Internal;

/// <summary>The presence store's scripts; see <see cref="RedisPresenceStore"/> for the keys.</summary>
internal static partial class Scripts
{
    // Time is Redis's (TIME, fixed for the script's run), so nodes whose clocks differ agree on what has lapsed.
    private const string PresencePrelude =
        """
        local function fmt(n) return string.format('%d', n) end
        local t = redis.call('TIME')
        local micros = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local now = math.floor(micros / 1000)

        """;

    /// <summary>
    /// One channel's renewals. KEYS: until, since, details, index. ARGV: channel, ttl (ms), key TTL (ms), then per
    /// lease: client, details. Returns per lease 1 if it is new (joined), else 0, then its end (ms): never earlier than
    /// the end it had (another node's longer claim stands), and always later.
    /// </summary>
    public const string RenewLeases = PresencePrelude +
        """
        local base = now + tonumber(ARGV[2])
        local results = {}
        local lowest = nil
        for i = 4, #ARGV, 2 do
          local u = base
          local prev = redis.call('ZSCORE', KEYS[1], ARGV[i])
          if prev and tonumber(prev) + 1 > u then u = tonumber(prev) + 1 end
          table.insert(results, redis.call('ZADD', KEYS[2], 'NX', fmt(micros), ARGV[i]))
          table.insert(results, fmt(u))
          redis.call('ZADD', KEYS[1], fmt(u), ARGV[i])
          redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1])
          if not lowest or u < lowest then lowest = u end
        end
        for k = 1, 3 do redis.call('PEXPIRE', KEYS[k], ARGV[3]) end
        -- The index keeps a lower bound of the channel's earliest end: lowered here, raised only by a sweep of it.
        local hint = redis.call('ZSCORE', KEYS[4], ARGV[1])
        if lowest and (not hint or tonumber(hint) > lowest) then redis.call('ZADD', KEYS[4], fmt(lowest), ARGV[1]) end
        return results
        """;

    /// <summary>
    /// One channel's removals. KEYS: until, since, details, index. ARGV: channel, then per lease: client, the end its
    /// remover wrote (ms). Returns per lease 1 if it was removed, else 0 (gone already, or renewed past that end).
    /// </summary>
    public const string RemoveLeases =
        """
        local results = {}
        for i = 2, #ARGV, 2 do
          local u = redis.call('ZSCORE', KEYS[1], ARGV[i])
          if u and tonumber(u) <= tonumber(ARGV[i + 1]) then
            redis.call('ZREM', KEYS[1], ARGV[i])
            redis.call('ZREM', KEYS[2], ARGV[i])
            redis.call('HDEL', KEYS[3], ARGV[i])
            table.insert(results, 1)
          else
            table.insert(results, 0)
          end
        end
        if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('ZREM', KEYS[4], ARGV[1]) end
        return results
        """;

    /// <summary>KEYS: index. ARGV: max. Returns at most max channels whose earliest end (a lower bound) has passed.</summary>
    public const string LapsedChannels = PresencePrelude +
        """
        return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', fmt(now), 'LIMIT', 0, tonumber(ARGV[1]))
        """;

    /// <summary>
    /// Removes at most max lapsed leases of the channels given, and sets each channel's index entry to its earliest end
    /// left (or removes it). KEYS: index, then per channel: until, since, details. ARGV: max, then the channels' names.
    /// Returns per lease taken: channel, client, since (µs), details.
    /// </summary>
    public const string TakeLapsedLeases = PresencePrelude +
        """
        local left = tonumber(ARGV[1])
        local results = {}
        for ci = 1, #ARGV - 1 do
          local name, untilKey, sinceKey, details = ARGV[ci + 1], KEYS[3 * ci - 1], KEYS[3 * ci], KEYS[3 * ci + 1]
          if left > 0 then
            for _, client in ipairs(redis.call('ZRANGEBYSCORE', untilKey, '-inf', fmt(now), 'LIMIT', 0, left)) do
              local since = redis.call('ZSCORE', sinceKey, client)
              table.insert(results, name)
              table.insert(results, client)
              table.insert(results, since and fmt(tonumber(since)) or '0')
              table.insert(results, redis.call('HGET', details, client) or '')
              redis.call('ZREM', untilKey, client)
              redis.call('ZREM', sinceKey, client)
              redis.call('HDEL', details, client)
              left = left - 1
            end
          end
          local first = redis.call('ZRANGE', untilKey, 0, 0, 'WITHSCORES')
          if #first == 0 then
            redis.call('ZREM', KEYS[1], name)
          else
            redis.call('ZADD', KEYS[1], first[2], name)
          end
        end
        return results
        """;

    /// <summary>
    /// KEYS: until, since, details. ARGV: max. Returns {the number of live leases, then per listed lease (earliest first,
    /// then by client): client, since (µs), details}.
    /// </summary>
    public const string ReadLeases = PresencePrelude +
        """
        local live = '(' .. fmt(now)
        local count = redis.call('ZCOUNT', KEYS[1], live, '+inf')
        local want = math.min(tonumber(ARGV[1]), count)
        local results = {count}
        local listed, at = 0, 0
        while listed < want do
          local page = redis.call('ZRANGE', KEYS[2], at, at + 99, 'WITHSCORES')
          if #page == 0 then break end
          for j = 1, #page, 2 do
            local u = redis.call('ZSCORE', KEYS[1], page[j])
            if listed < want and u and tonumber(u) > now then
              table.insert(results, page[j])
              table.insert(results, fmt(tonumber(page[j + 1])))
              table.insert(results, redis.call('HGET', KEYS[3], page[j]) or '')
              listed = listed + 1
            end
          end
          at = at + 100
        end
        return results
        """;
}
