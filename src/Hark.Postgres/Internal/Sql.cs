namespace Hark.Postgres.Internal;

/// <summary>
/// The engine's statements. A channel's history is a window over its rows: messages after the count
/// bound, the byte bound (the newest always stays) and the age bound. Reads apply the window, so the
/// bounds hold the moment a message is published; the background trim only deletes what fell out of it.
/// </summary>
internal static partial class Sql
{
    /// <summary>The LISTEN/NOTIFY channel every node listens on.</summary>
    public const string NotifyChannel = "hark";

    // @max_messages, @max_bytes, @cutoff and @latest (LIKE patterns of latest-value channels, whose count bound
    // is 1) are named by the caller; c is the hark_channels row.
    private const string WindowFirst = """
        coalesce((SELECT w.seq FROM hark_messages w
                  WHERE w.channel = c.name
                    AND w.seq > c.last_seq - CASE WHEN c.name LIKE ANY(@latest) THEN 1 ELSE @max_messages END
                    AND (w.end_bytes - w.size >= c.total_bytes - @max_bytes OR w.seq = c.last_seq)
                    AND w.time >= @cutoff
                  ORDER BY w.seq LIMIT 1), c.last_seq + 1)
        """;

    /// <summary>
    /// Publishes a batch in one statement: locks the batch's channel rows (in name order, which orders concurrent
    /// publishers), decides which items are published (an item with a version must be newer than the channel's
    /// highest version and every earlier item of the batch; the others are stale), takes the next sequence numbers
    /// for those, inserts them, and notifies every node of each channel that moved; all in one transaction.
    /// A channel with no live history gets a new epoch from the stamp sequence. One row per item, in order;
    /// a stale item's row has no id, and the sequence number of the channel's newest message before it.
    /// A channel no row existed for when the statement began is inserted; should another transaction create it
    /// meanwhile, that insert fails with a unique violation on hark_channels and the caller sends the statement
    /// again, which then sees and locks the row (so the version check always compares with the committed version).
    /// </summary>
    public const string Publish = """
        WITH input AS (
          SELECT * FROM unnest(@channels::text[], @events::text[], @is_text::boolean[], @data::bytea[], @sizes::int[], @versions::bigint[], @traces::text[])
            WITH ORDINALITY AS t(channel, event, is_text, data, size, version, trace_parent, ord)
        ), locked AS MATERIALIZED (
          SELECT c.name, c.live, c.epoch, c.last_seq, c.total_bytes, CASE WHEN c.live THEN c.version END AS version
          FROM hark_channels c WHERE c.name IN (SELECT channel FROM input)
          ORDER BY c.name FOR UPDATE
        ), decided AS MATERIALIZED (
          SELECT i.*, l.version AS old_version,
            (i.version > greatest(l.version, max(i.version) OVER (PARTITION BY i.channel ORDER BY i.ord ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))) IS NOT FALSE AS published
          FROM input i LEFT JOIN locked l ON l.name = i.channel
        ), per AS (
          SELECT channel, count(*) FILTER (WHERE published) AS n, coalesce(sum(size) FILTER (WHERE published), 0)::bigint AS bytes,
            greatest(max(old_version), max(version)) AS version
          FROM decided GROUP BY channel
        ), chan AS MATERIALIZED (
          SELECT per.channel, per.n, per.bytes, per.version, l.name IS NOT NULL AS existed,
            CASE WHEN l.live THEN l.epoch ELSE nextval('hark_stamp') END AS epoch,
            CASE WHEN l.live THEN l.last_seq ELSE 0 END + per.n AS last_seq,
            CASE WHEN l.live THEN l.total_bytes ELSE 0 END + per.bytes AS total_bytes
          FROM per LEFT JOIN locked l ON l.name = per.channel
        ), moved AS (
          UPDATE hark_channels c SET epoch = chan.epoch, last_seq = chan.last_seq, total_bytes = chan.total_bytes, version = chan.version,
            live = true, updated = @time
          FROM chan WHERE c.name = chan.channel AND chan.existed AND chan.n > 0
        ), created AS (
          INSERT INTO hark_channels (name, epoch, last_seq, total_bytes, live, updated, version)
          SELECT channel, epoch, last_seq, total_bytes, true, @time, version FROM chan WHERE NOT existed ORDER BY channel
          RETURNING name
        ), numbered AS (
          SELECT d.ord, d.channel, d.event, d.is_text, d.data, d.size, d.version, d.trace_parent, d.published, ch.epoch, ch.last_seq, ch.total_bytes,
            ch.last_seq - ch.n + count(*) FILTER (WHERE d.published) OVER w AS seq,
            ch.total_bytes - ch.bytes + coalesce(sum(d.size) FILTER (WHERE d.published) OVER w, 0) AS end_bytes,
            greatest(d.old_version, max(d.version) OVER w) AS newest_version
          FROM decided d JOIN chan ch ON ch.channel = d.channel
          -- Reading what was created makes every new channel row exist before any message is inserted.
          WHERE ch.existed OR ch.channel IN (SELECT name FROM created)
          WINDOW w AS (PARTITION BY d.channel ORDER BY d.ord ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
        ), ins AS (
          INSERT INTO hark_messages (channel, seq, time, size, end_bytes, event, is_text, data, version, trace_parent)
          SELECT channel, seq, @time, size, end_bytes, event, is_text, data, version, trace_parent FROM numbered WHERE published ORDER BY ord
          RETURNING channel, seq, id
        )
        SELECT n.epoch, n.seq, ins.id, n.end_bytes, n.last_seq, n.total_bytes, n.newest_version,
          (SELECT count(pg_notify('hark', 'p ' || ch.epoch || ' ' || ch.last_seq || ' ' || ch.total_bytes || ' ' || @node || ' ' || ch.channel)) FROM chan ch WHERE ch.n > 0)
        FROM numbered n LEFT JOIN ins ON n.published AND ins.channel = n.channel AND ins.seq = n.seq
        ORDER BY n.ord
        """;

    /// <summary>
    /// <see cref="Publish"/> for the common case of a batch with no version, all on one channel: nothing can be stale,
    /// so the upsert of the channel row takes the lock, and the version stays as it was (forgotten by a new history).
    /// With one row to lock it cannot deadlock with <see cref="Publish"/>, whatever order that one locks in.
    /// Same columns as <see cref="Publish"/>.
    /// </summary>
    public const string PublishUnversioned = """
        WITH input AS (
          SELECT * FROM unnest(@channels::text[], @events::text[], @is_text::boolean[], @data::bytea[], @sizes::int[], @traces::text[])
            WITH ORDINALITY AS t(channel, event, is_text, data, size, trace_parent, ord)
        ), per AS (
          SELECT channel, count(*)::bigint AS n, sum(size)::bigint AS bytes FROM input GROUP BY channel
        ), ch AS (
          INSERT INTO hark_channels AS c (name, epoch, last_seq, total_bytes, live, updated)
          SELECT channel, nextval('hark_stamp'), n, bytes, true, @time FROM per ORDER BY channel
          ON CONFLICT (name) DO UPDATE SET
            epoch = CASE WHEN c.live THEN c.epoch ELSE excluded.epoch END,
            last_seq = CASE WHEN c.live THEN c.last_seq ELSE 0 END + excluded.last_seq,
            total_bytes = CASE WHEN c.live THEN c.total_bytes ELSE 0 END + excluded.total_bytes,
            version = CASE WHEN c.live THEN c.version END,
            live = true,
            updated = excluded.updated
          RETURNING c.name, c.epoch, c.last_seq, c.total_bytes, c.version
        ), numbered AS (
          SELECT i.ord, i.channel, i.event, i.is_text, i.data, i.size, i.trace_parent, ch.epoch, ch.last_seq, ch.total_bytes, ch.version,
            ch.last_seq - per.n + row_number() OVER w AS seq,
            ch.total_bytes - per.bytes + sum(i.size) OVER w AS end_bytes
          FROM input i JOIN per USING (channel) JOIN ch ON ch.name = i.channel
          WINDOW w AS (PARTITION BY i.channel ORDER BY i.ord ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
        ), ins AS (
          INSERT INTO hark_messages (channel, seq, time, size, end_bytes, event, is_text, data, trace_parent)
          SELECT channel, seq, @time, size, end_bytes, event, is_text, data, trace_parent FROM numbered ORDER BY ord
          RETURNING channel, seq, id
        )
        SELECT n.epoch, n.seq, ins.id, n.end_bytes, n.last_seq, n.total_bytes, n.version,
          (SELECT count(pg_notify('hark', 'p ' || ch.epoch || ' ' || ch.last_seq || ' ' || ch.total_bytes || ' ' || @node || ' ' || ch.name)) FROM ch)
        FROM numbered n JOIN ins ON ins.channel = n.channel AND ins.seq = n.seq
        ORDER BY n.ord
        """;

    /// <summary>
    /// Reads, in one snapshot, each channel's state and up to @limit of its messages after the position
    /// (from the window's start when the position is from another history or before the window).
    /// One row per message; a channel with none has one row with null message columns.
    /// </summary>
    public const string Read = $"""
        WITH p AS (
          SELECT * FROM unnest(@channels::text[], @epochs::bigint[], @seqs::bigint[]) AS p(name, epoch, seq)
        ), s AS (
          SELECT p.name, p.epoch AS want_epoch, p.seq AS want_seq, c.epoch, c.last_seq, c.total_bytes, c.reset_stamp, c.live,
            {WindowFirst} AS first_seq
          FROM p LEFT JOIN hark_channels c ON c.name = p.name
        )
        SELECT s.name, s.epoch, s.last_seq, s.total_bytes, s.reset_stamp, s.live, s.first_seq,
          (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM hark_stamp),
          m.seq, m.id, m.time, m.size, m.end_bytes, m.event, m.is_text, m.data, m.version, m.trace_parent
        FROM s LEFT JOIN LATERAL (
          SELECT * FROM hark_messages m
          WHERE s.live AND m.channel = s.name
            AND m.seq > CASE WHEN s.epoch = s.want_epoch AND s.want_seq <= s.last_seq
                             THEN greatest(s.want_seq, s.first_seq - 1) ELSE s.first_seq - 1 END
          ORDER BY m.seq LIMIT @limit
        ) m ON true
        ORDER BY s.name, m.seq
        """;

    /// <summary>The states of many channels (the catch-up after a reconnect).</summary>
    public const string States = """
        SELECT c.name, c.epoch, c.last_seq, c.total_bytes, c.reset_stamp, c.live
        FROM hark_channels c WHERE c.name = ANY(@channels)
        """;

    /// <summary>A channel's window: how many messages and bytes, and when the newest was published.</summary>
    public const string Info = $"""
        SELECT c.epoch, c.last_seq, c.total_bytes, c.reset_stamp, c.live, f.first_seq,
          (SELECT count(*) FROM hark_messages m WHERE m.channel = c.name AND m.seq >= f.first_seq),
          (SELECT coalesce(sum(m.size), 0) FROM hark_messages m WHERE m.channel = c.name AND m.seq >= f.first_seq),
          (SELECT max(m.time) FROM hark_messages m WHERE m.channel = c.name AND m.seq >= f.first_seq)
        FROM hark_channels c, LATERAL (SELECT {WindowFirst} AS first_seq) f
        WHERE c.name = @channel
        """;

    /// <summary>Deletes a live channel's history: a new reset stamp, no messages, and a notification to every node.</summary>
    public const string Delete = """
        WITH d AS (
          UPDATE hark_channels SET live = false, last_seq = 0, total_bytes = 0, version = NULL, reset_stamp = nextval('hark_stamp'), updated = @time
          WHERE name = @channel AND live
          RETURNING name, reset_stamp
        ), gone AS (
          DELETE FROM hark_messages WHERE channel IN (SELECT name FROM d)
        )
        SELECT d.reset_stamp, pg_notify('hark', 'd ' || d.reset_stamp || ' 0 0 ' || @node || ' ' || d.name) IS NULL FROM d
        """;

    /// <summary>Deletes the rows that fell out of every channel's window; one node at a time does it.</summary>
    public const string Trim = $"""
        WITH lock AS (SELECT pg_try_advisory_xact_lock(hashtext('hark.trim')) AS mine)
        DELETE FROM hark_messages m
        USING (SELECT c.name, {WindowFirst} AS first_seq FROM hark_channels c WHERE c.live) w, lock
        WHERE lock.mine AND m.channel = w.name AND m.seq < w.first_seq
        """;

    /// <summary>This database's instance number (part of every epoch).</summary>
    public const string Instance = "SELECT id FROM hark_instance";
}
