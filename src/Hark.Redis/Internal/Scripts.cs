namespace Hark.Redis.Internal;

/// <summary>
/// The engine's Lua scripts: each runs atomically in Redis, so a publish (next sequence number, append, trim,
/// version check, wake-up) is one step no other node can interleave with.
/// </summary>
/// <remarks>
/// Keys: <c>{prefix}instance</c> (this store's part of every epoch: a random number written by whichever script
/// first finds it missing, or finds the clock below a value some node was already shown, so a Redis that lost its
/// data or some acknowledged writes starts new epochs), <c>{prefix}clock</c> (one counter for
/// epoch stamps, delete stamps and the publish order), and per channel <c>{prefix}s:{name}</c> (a hash: <c>e</c>
/// the live history's stamp, <c>l</c> its last sequence number, <c>kb</c> the bytes kept, <c>v</c> the highest
/// version, <c>r</c> the last delete's stamp) and <c>{prefix}h:{name}</c> (a list of the kept messages, oldest
/// first, each <c>{order} {time µs} {size} …</c>, see <see cref="StoredEntry"/>). A channel's sequence numbers in
/// the list are consecutive, so the first kept is <c>l - LLEN + 1</c>.
/// </remarks>
internal static partial class Scripts
{
    private const string Prelude =
        """
        local function fmt(n) return string.format('%d', n) end
        -- given: '{candidate}:{floor}'. A clock below the floor (a value some node was shown in an answer) means this
        -- Redis lost acknowledged writes: its histories are not the ones cursors point into, so a new instance starts
        -- (every old cursor becomes a reset gap), and the clock moves up to the floor. KEYS[2] is always the clock.
        local function instance(key, given)
          local candidate, floor = string.match(given, '^(%d+):(%d+)$')
          floor = tonumber(floor)
          local inst = redis.call('GET', key)
          local behind = tonumber(redis.call('GET', KEYS[2]) or '0') < floor
          if inst and not behind then
            return inst
          end
          if behind then redis.call('SET', KEYS[2], fmt(floor)) end
          redis.call('SET', key, candidate)
          return candidate
        end
        -- Drops from the front what the bounds no longer keep: count and bytes keep the newest message, age does not.
        local function trim(state, hist, maxMessages, maxBytes, cutoff)
          local n = redis.call('LLEN', hist)
          local stored = tonumber(redis.call('HGET', state, 'kb') or '0')
          local kb = stored
          if n == 0 then kb = 0 end
          while n > 0 do
            local time, size = string.match(redis.call('LINDEX', hist, 0), '^%d+ (%d+) (%d+) ')
            if n > maxMessages or (n > 1 and kb > maxBytes) or tonumber(time) < cutoff then
              redis.call('LPOP', hist)
              n = n - 1
              kb = kb - tonumber(size)
            else
              break
            end
          end
          if kb ~= stored then redis.call('HSET', state, 'kb', kb) end
          return n, kb
        end

        """;

    /// <summary>
    /// KEYS: instance, clock, then a state and a history key per channel. ARGV: instance candidate, cutoff (µs),
    /// max bytes, wake-up channel, node, state TTL (ms), history TTL (ms), item count, then per item: channel index
    /// (1-based), name, max messages, version (sortable, or empty), entry without its order.
    /// Returns the instance, then per item {epoch stamp, seq (the channel's newest for a stale item), order (0: stale), highest version}.
    /// </summary>
    public const string Publish = Prelude +
        """
        local inst = instance(KEYS[1], ARGV[1])
        local cutoff, maxBytes = tonumber(ARGV[2]), tonumber(ARGV[3])
        local results = {inst}
        local touched = {}
        for i = 0, tonumber(ARGV[8]) - 1 do
          local a = 9 + i * 5
          local ci = tonumber(ARGV[a])
          local name, maxMessages, version, entry = ARGV[a + 1], tonumber(ARGV[a + 2]), ARGV[a + 3], ARGV[a + 4]
          local state, hist = KEYS[1 + 2 * ci], KEYS[2 + 2 * ci]
          local epoch = redis.call('HGET', state, 'e')
          if not epoch then
            epoch = fmt(redis.call('INCR', KEYS[2]))
            redis.call('DEL', hist)
            redis.call('HDEL', state, 'v')
            redis.call('HSET', state, 'e', epoch, 'l', 0, 'kb', 0)
          end
          local last = tonumber(redis.call('HGET', state, 'l'))
          local highest = redis.call('HGET', state, 'v')
          if version ~= '' and highest and version <= highest then
            table.insert(results, {epoch, last, 0, highest})
          else
            if version ~= '' then
              highest = version
              redis.call('HSET', state, 'v', version)
            end
            local order = redis.call('INCR', KEYS[2])
            last = last + 1
            redis.call('RPUSH', hist, fmt(order) .. ' ' .. entry)
            redis.call('HSET', state, 'l', last)
            redis.call('HINCRBY', state, 'kb', tonumber(string.match(entry, '^%d+ (%d+) ')))
            trim(state, hist, maxMessages, maxBytes, cutoff)
            touched[ci] = {name, epoch, last, state, hist}
            table.insert(results, {epoch, last, order, highest or ''})
          end
        end
        for _, t in pairs(touched) do
          redis.call('PEXPIRE', t[4], ARGV[6])
          redis.call('PEXPIRE', t[5], ARGV[7])
          redis.call('PUBLISH', ARGV[4], 'p ' .. inst .. ' ' .. t[2] .. ' ' .. fmt(t[3]) .. ' ' .. ARGV[5] .. ' ' .. t[1])
        end
        return results
        """;

    /// <summary>
    /// KEYS: instance, clock, state, history. ARGV: instance candidate, wake-up channel, node, name, state TTL (ms).
    /// Returns {instance, the delete's stamp (0: there was no live history)}.
    /// </summary>
    public const string Delete = Prelude +
        """
        local inst = instance(KEYS[1], ARGV[1])
        if not redis.call('HGET', KEYS[3], 'e') then
          return {inst, 0}
        end
        local stamp = redis.call('INCR', KEYS[2])
        redis.call('DEL', KEYS[3], KEYS[4])
        redis.call('HSET', KEYS[3], 'r', stamp)
        redis.call('PEXPIRE', KEYS[3], ARGV[5])
        redis.call('PUBLISH', ARGV[2], 'd ' .. inst .. ' ' .. fmt(stamp) .. ' 0 ' .. ARGV[3] .. ' ' .. ARGV[4])
        return {inst, stamp}
        """;

    /// <summary>
    /// KEYS: instance, clock, then a state and a history key per channel. ARGV: instance candidate, cutoff (µs),
    /// max bytes, state TTL (ms), whether to return the newest message's time, then per channel: max messages,
    /// cursor instance, cursor stamp, cursor seq, limit. Applies the bounds first (a read may find messages aged out).
    /// Returns {instance, clock, then per channel {epoch stamp or '', last seq, seq of the first entry returned,
    /// reset stamp, bytes kept, messages kept, newest time or '', entries…}}. The entries start after the cursor when
    /// it is a position in the kept history, else at the oldest kept.
    /// </summary>
    public const string Read = Prelude +
        """
        local inst = instance(KEYS[1], ARGV[1])
        local cutoff, maxBytes = tonumber(ARGV[2]), tonumber(ARGV[3])
        local results = {inst, redis.call('GET', KEYS[2]) or '0'}
        for ci = 1, (#KEYS - 2) / 2 do
          local state, hist = KEYS[1 + 2 * ci], KEYS[2 + 2 * ci]
          local a = 6 + (ci - 1) * 5
          local epoch = redis.call('HGET', state, 'e')
          local reset = redis.call('HGET', state, 'r') or '0'
          if not epoch then
            table.insert(results, {'', 0, 1, reset, 0, 0, ''})
          else
            local n, kb = trim(state, hist, tonumber(ARGV[a]), maxBytes, cutoff)
            redis.call('PEXPIRE', state, ARGV[4])
            local last = tonumber(redis.call('HGET', state, 'l'))
            local first = last - n + 1
            local seq, limit = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
            local from = 0
            if ARGV[a + 1] == inst and ARGV[a + 2] == epoch and seq >= first - 1 and seq <= last then
              from = seq - first + 1
            end
            local row = {epoch, last, first + from, reset, kb, n, ''}
            if ARGV[5] == '1' and n > 0 then
              row[7] = string.match(redis.call('LINDEX', hist, -1), '^%d+ (%d+) ')
            end
            if limit > 0 and from < n then
              for _, entry in ipairs(redis.call('LRANGE', hist, from, from + limit - 1)) do
                table.insert(row, entry)
              end
            end
            table.insert(results, row)
          end
        end
        return results
        """;

    /// <summary><see cref="Publish"/> with its wake-up over sharded pub/sub.</summary>
    public static readonly string PublishSharded = Sharded(Publish);

    /// <summary><see cref="Delete"/> with its wake-up over sharded pub/sub.</summary>
    public static readonly string DeleteSharded = Sharded(Delete);

    private static string Sharded(string script) =>
        script.Contains("redis.call('PUBLISH', ", StringComparison.Ordinal)
            ? script.Replace("redis.call('PUBLISH', ", "redis.call('SPUBLISH', ", StringComparison.Ordinal)
            : throw new InvalidOperationException("The script publishes no wake-up.");
}
