namespace Hark.Postgres.Internal;

/// <summary>
/// The presence store's statements, on <c>hark_presence</c>. Every time is the database's: <c>until</c> is Unix ms of
/// <c>now()</c> plus the lease's time to live, so nodes whose clocks differ agree on what has lapsed.
/// </summary>
internal static partial class Sql
{
    private const string NowMs = "floor(extract(epoch FROM now()) * 1000)::bigint";

    /// <summary>
    /// Creates or extends each lease (one per channel and client: the caller folds repeats) and returns whether the row
    /// is new (<c>xmax = 0</c>: inserted, not updated) and its end. Rows are written in key order, so two nodes renewing
    /// overlapping batches lock them in the same order; of two inserting one new lease, the second waits and updates.
    /// </summary>
    public const string RenewLeases = $"""
        INSERT INTO hark_presence (channel, client, user_id, transport, since, until)
        SELECT t.channel, t.client, t.user_id, t.transport, now(), {NowMs} + @ttl
        FROM unnest(@channels::text[], @clients::text[], @users::text[], @transports::text[]) AS t(channel, client, user_id, transport)
        ORDER BY t.channel, t.client
        ON CONFLICT (channel, client) DO UPDATE SET user_id = excluded.user_id, transport = excluded.transport,
            until = GREATEST(excluded.until, hark_presence.until + 1)
        RETURNING channel, client, xmax = 0, until
        """;

    /// <summary>Deletes each lease whose end is not after the one its remover wrote; returns the leases deleted.</summary>
    public const string RemoveLeases = """
        DELETE FROM hark_presence p
        USING unnest(@channels::text[], @clients::text[], @if_until::bigint[]) AS r(channel, client, if_until)
        WHERE p.channel = r.channel AND p.client = r.client AND p.until <= r.if_until
        RETURNING p.channel, p.client
        """;

    /// <summary>
    /// Deletes and returns at most @max lapsed leases. The rows are locked first, skipping those another sweeper (or a
    /// renewal) holds, so concurrent sweeps take disjoint rows; a lease renewed meanwhile is re-checked against its new end.
    /// </summary>
    public const string TakeExpiredLeases = $"""
        DELETE FROM hark_presence p
        USING (SELECT channel, client FROM hark_presence WHERE until <= {NowMs} ORDER BY until LIMIT @max FOR UPDATE SKIP LOCKED) e
        WHERE p.channel = e.channel AND p.client = e.client
        RETURNING p.channel, p.client, p.user_id, p.transport, p.since
        """;

    /// <summary>
    /// The number of live leases on @channel and the first @max of them, earliest first: one row each, or one row with
    /// a null client when none is listed, so the count always comes back.
    /// </summary>
    public const string ReadLeases = $"""
        WITH live AS MATERIALIZED (
          SELECT client, user_id, transport, since FROM hark_presence WHERE channel = @channel AND until > {NowMs}
        )
        SELECT n.count, l.client, l.user_id, l.transport, l.since
        FROM (SELECT count(*) AS count FROM live) n
        LEFT JOIN LATERAL (SELECT * FROM live ORDER BY since, client COLLATE "C" LIMIT @max) l ON true
        """;
}
