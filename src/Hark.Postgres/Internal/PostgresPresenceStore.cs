using Hark.Presence;
using Npgsql;
using NpgsqlTypes;

namespace Hark.Postgres.Internal;

/// <summary>
/// The leases of presence in <c>hark_presence</c>, on the engine's database and connection pool (the engine's start
/// migrates the table). Each call is one statement, whatever the batch; the database's clock decides what has lapsed.
/// </summary>
internal sealed class PostgresPresenceStore(PostgresEngine engine) : IPresenceStore
{
    public async ValueTask<IReadOnlyList<LeaseRenewal>> RenewAsync(IReadOnlyList<PresenceEntry> entries, TimeSpan ttl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return [];
        }
        // A statement may write a row once: a lease named twice in a batch is written once, with its last entry.
        var last = new Dictionary<(string, string), PresenceEntry>();
        foreach (var e in entries)
        {
            last[(e.Channel, e.Client)] = e;
        }
        var unique = last.Values.ToList();
        var rows = new Dictionary<(string, string), LeaseRenewal>(unique.Count);
        await RunAsync(async () =>
        {
            await using var command = engine.DataSource.CreateCommand(Sql.RenewLeases);
            AddTexts(command, "channels", unique.Select(e => e.Channel));
            AddTexts(command, "clients", unique.Select(e => e.Client));
            AddTexts(command, "users", unique.Select(e => e.User));
            AddTexts(command, "transports", unique.Select(e => e.Transport));
            command.Parameters.AddWithValue("ttl", (long)ttl.TotalMilliseconds);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows[(reader.GetString(0), reader.GetString(1))] = new LeaseRenewal(reader.GetBoolean(2), reader.GetInt64(3));
            }
        }, cancellationToken);
        // As the memory store: of a lease named twice, the first entry is told it joined.
        var results = new LeaseRenewal[entries.Count];
        var seen = new HashSet<(string, string)>();
        for (var i = 0; i < results.Length; i++)
        {
            var key = (entries[i].Channel, entries[i].Client);
            var row = rows[key];
            results[i] = seen.Add(key) ? row : row with { Joined = false };
        }
        return results;
    }

    public async ValueTask<IReadOnlyList<bool>> RemoveAsync(IReadOnlyList<PresenceRemoval> removals, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(removals);
        if (removals.Count == 0)
        {
            return [];
        }
        var removed = new HashSet<(string, string)>();
        await RunAsync(async () =>
        {
            await using var command = engine.DataSource.CreateCommand(Sql.RemoveLeases);
            AddTexts(command, "channels", removals.Select(r => r.Channel));
            AddTexts(command, "clients", removals.Select(r => r.Client));
            command.Parameters.Add(new NpgsqlParameter("if_until", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = removals.Select(r => r.IfUntil).ToArray() });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                removed.Add((reader.GetString(0), reader.GetString(1)));
            }
        }, cancellationToken);
        // A lease named twice is gone once: the first removal ended it.
        var results = new bool[removals.Count];
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = removed.Remove((removals[i].Channel, removals[i].Client));
        }
        return results;
    }

    public async ValueTask<IReadOnlyList<PresenceExpiry>> TakeExpiredAsync(int max, CancellationToken cancellationToken)
    {
        var taken = new List<PresenceExpiry>();
        if (max <= 0)
        {
            return taken;
        }
        await RunAsync(async () =>
        {
            await using var command = engine.DataSource.CreateCommand(Sql.TakeExpiredLeases);
            command.Parameters.AddWithValue("max", max);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                taken.Add(new PresenceExpiry(reader.GetString(0), ReadClient(reader, 1)));
            }
        }, cancellationToken);
        return taken;
    }

    public async ValueTask<PresenceSnapshot> ReadAsync(string channel, int max, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var count = 0;
        var clients = new List<PresentClient>();
        await RunAsync(async () =>
        {
            await using var command = engine.DataSource.CreateCommand(Sql.ReadLeases);
            command.Parameters.AddWithValue("channel", channel);
            command.Parameters.AddWithValue("max", Math.Max(0, max));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                count = (int)reader.GetInt64(0);
                if (!reader.IsDBNull(1))
                {
                    clients.Add(ReadClient(reader, 1));
                }
            }
        }, cancellationToken);
        return new PresenceSnapshot(count, clients);
    }

    /// <summary>Starts the engine (migrating the table) when it has not, and turns an unreachable database into a 503.</summary>
    private async Task RunAsync(Func<Task> statement, CancellationToken cancellationToken)
    {
        await engine.StartAsync(cancellationToken);
        try
        {
            await statement();
        }
        catch (Exception e) when (DatabaseErrors.IsUnavailable(e))
        {
            throw DatabaseErrors.Unavailable(e);
        }
    }

    /// <summary>Reads client, user_id, transport and since from <paramref name="first"/> on.</summary>
    private static PresentClient ReadClient(NpgsqlDataReader reader, int first) =>
        new(reader.GetString(first), reader.IsDBNull(first + 1) ? null : reader.GetString(first + 1), reader.GetString(first + 2),
            reader.GetFieldValue<DateTimeOffset>(first + 3));

    private static void AddTexts(NpgsqlCommand command, string name, IEnumerable<string?> values) =>
        command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = values.ToArray() });
}
