using Npgsql;

namespace Hark.Postgres.Internal;

/// <summary>
/// Creates or migrates the engine's tables at start-up. Each step runs once, in order, recorded in
/// <c>hark_schema</c>; an advisory lock makes nodes that start together take turns, so a step never races.
/// </summary>
internal static class Schema
{
    /// <summary>The steps, oldest first; the version is the number of steps applied. Never edit a shipped step: add one.</summary>
    private static readonly string[] Steps =
    [
        """
        CREATE SEQUENCE hark_stamp;
        CREATE TABLE hark_instance (id bigint NOT NULL);
        INSERT INTO hark_instance SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint;
        CREATE TABLE hark_channels (
          name text PRIMARY KEY,
          epoch bigint NOT NULL,
          last_seq bigint NOT NULL,
          total_bytes bigint NOT NULL,
          reset_stamp bigint NOT NULL DEFAULT 0,
          live boolean NOT NULL,
          updated timestamptz NOT NULL
        );
        CREATE TABLE hark_messages (
          channel text NOT NULL,
          seq bigint NOT NULL,
          id bigserial NOT NULL,
          time timestamptz NOT NULL,
          size int NOT NULL,
          end_bytes bigint NOT NULL,
          event text,
          is_text boolean NOT NULL,
          data bytea NOT NULL,
          PRIMARY KEY (channel, seq)
        );
        """,
        // Versioned publishes: the channel's highest version (null until a publish carries one), and each message's.
        """
        ALTER TABLE hark_channels ADD COLUMN IF NOT EXISTS version bigint;
        ALTER TABLE hark_messages ADD COLUMN IF NOT EXISTS version bigint;
        """,
        // Traces: the publish's W3C traceparent (null when untraced), so a delivery on any node joins its trace.
        """
        ALTER TABLE hark_messages ADD COLUMN IF NOT EXISTS trace_parent text;
        """,
        // Presence: one lease per client on a channel, until a time on the database's clock (Unix ms, the value nodes
        // hand back to remove it); the index finds the lapsed ones for the sweep.
        """
        CREATE TABLE IF NOT EXISTS hark_presence (
          channel text NOT NULL,
          client text NOT NULL,
          user_id text,
          transport text NOT NULL,
          since timestamptz NOT NULL,
          until bigint NOT NULL,
          PRIMARY KEY (channel, client)
        );
        CREATE INDEX IF NOT EXISTS hark_presence_until ON hark_presence (until);
        """,
    ];

    public static int Version => Steps.Length;

    /// <summary>Brings the schema to <see cref="Version"/>; returns the version found before.</summary>
    public static async Task<int> MigrateAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand(
            "SELECT pg_advisory_xact_lock(hashtext('hark.schema')); CREATE TABLE IF NOT EXISTS hark_schema (version int NOT NULL)", connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        int found;
        await using (var command = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM hark_schema", connection, transaction))
        {
            found = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }
        if (found > Steps.Length)
        {
            throw new InvalidOperationException($"The database's Hark schema is version {found}, newer than this node's {Steps.Length}; upgrade this node.");
        }
        for (var step = found; step < Steps.Length; step++)
        {
            await using var command = new NpgsqlCommand(Steps[step], connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        if (found < Steps.Length)
        {
            await using var command = new NpgsqlCommand("DELETE FROM hark_schema; INSERT INTO hark_schema VALUES (@v)", connection, transaction);
            command.Parameters.AddWithValue("v", Steps.Length);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return found;
    }
}
