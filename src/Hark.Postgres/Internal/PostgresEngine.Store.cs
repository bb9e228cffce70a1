using Npgsql;
using NpgsqlTypes;

namespace Hark.Postgres.Internal;

/// <summary>The engine's database reads: channel info, snapshots of channels with their messages, and bare states.</summary>
internal sealed partial class PostgresEngine
{
    public async ValueTask<ChannelInfo?> GetChannelAsync(string channel, CancellationToken cancellationToken)
    {
        await StartAsync(cancellationToken);
        try
        {
            await using var command = _dataSource.CreateCommand(Sql.Info);
            command.Parameters.AddWithValue("channel", channel);
            AddWindow(command);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            // A deleted channel (a row marked so) is unknown, as after a delete on the memory engine.
            if (await reader.ReadAsync(cancellationToken) && reader.GetBoolean(4))
            {
                var epoch = new Epoch(Instance, reader.GetInt64(0));
                var lastSeq = reader.GetInt64(1);
                return new ChannelInfo(channel, (int)reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(5), lastSeq,
                    Cursor.Format(epoch, lastSeq), 0, reader.IsDBNull(8) ? null : new DateTimeOffset(reader.GetDateTime(8)));
            }
        }
        catch (Exception e) when (DatabaseErrors.IsUnavailable(e))
        {
            throw DatabaseErrors.Unavailable(e);
        }
        return null;
    }

    /// <summary>One round trip for every channel of the read: states, windows and up to <paramref name="limit"/> messages each.</summary>
    private async Task<Dictionary<string, ChannelSnapshot>> ReadSnapshotsAsync(IReadOnlyList<ChannelPosition> after, int limit, CancellationToken cancellationToken)
    {
        var snapshots = new Dictionary<string, ChannelSnapshot>(StringComparer.Ordinal);
        Interlocked.Increment(ref _databaseReads);
        try
        {
            await using var command = _dataSource.CreateCommand(Sql.Read);
            command.Parameters.Add(new NpgsqlParameter("channels", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = after.Select(p => p.Channel).ToArray() });
            command.Parameters.Add(new NpgsqlParameter("epochs", NpgsqlDbType.Array | NpgsqlDbType.Bigint)
            {
                // A cursor of another database never matches a history of this one.
                Value = after.Select(p => p.Epoch.Instance == Instance ? p.Epoch.Stamp : -1).ToArray(),
            });
            command.Parameters.Add(new NpgsqlParameter("seqs", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = after.Select(p => p.Seq).ToArray() });
            command.Parameters.AddWithValue("limit", limit);
            AddWindow(command);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var name = reader.GetString(0);
                if (!snapshots.TryGetValue(name, out var snapshot))
                {
                    var live = !reader.IsDBNull(5) && reader.GetBoolean(5);
                    var reset = reader.IsDBNull(4) ? 0 : reader.GetInt64(4);
                    var state = live
                        ? new ChannelState(new Epoch(Instance, reader.GetInt64(1)), reader.GetInt64(2), reader.GetInt64(3), reset)
                        : new ChannelState(null, 0, 0, reset);
                    snapshots[name] = snapshot = new ChannelSnapshot(state, live ? reader.GetInt64(6) : 1, reader.GetInt64(7), []);
                }
                if (!reader.IsDBNull(8))
                {
                    var seq = reader.GetInt64(8);
                    var message = ToMessage(name, snapshot.State.Epoch!.Value, seq, new DateTimeOffset(reader.GetDateTime(10)),
                        reader.IsDBNull(13) ? null : reader.GetString(13), reader.GetBoolean(14), (byte[])reader.GetValue(15), reader.GetInt64(9),
                        reader.IsDBNull(16) ? null : reader.GetInt64(16), reader.IsDBNull(17) ? null : reader.GetString(17));
                    snapshot.Messages.Add(new CachedMessage(message, reader.GetInt32(11), reader.GetInt64(12)));
                }
            }
        }
        catch (Exception e) when (DatabaseErrors.IsUnavailable(e))
        {
            throw DatabaseErrors.Unavailable(e);
        }
        return snapshots;
    }

    /// <summary>The states of many channels in one round trip; channels never published are missing.</summary>
    private async Task<Dictionary<string, ChannelState>> ReadStatesAsync(IReadOnlyList<string> channels, CancellationToken cancellationToken)
    {
        var states = new Dictionary<string, ChannelState>(StringComparer.Ordinal);
        try
        {
            await using var command = _dataSource.CreateCommand(Sql.States);
            command.Parameters.Add(new NpgsqlParameter("channels", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = channels.ToArray() });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var reset = reader.GetInt64(4);
                states[reader.GetString(0)] = reader.GetBoolean(5)
                    ? new ChannelState(new Epoch(Instance, reader.GetInt64(1)), reader.GetInt64(2), reader.GetInt64(3), reset)
                    : new ChannelState(null, 0, 0, reset);
            }
        }
        catch (Exception e) when (DatabaseErrors.IsUnavailable(e))
        {
            throw DatabaseErrors.Unavailable(e);
        }
        return states;
    }

    private void AddWindow(NpgsqlCommand command)
    {
        command.Parameters.AddWithValue("max_messages", (long)_history.MaxMessages);
        command.Parameters.AddWithValue("max_bytes", _history.MaxBytes);
        command.Parameters.Add(new NpgsqlParameter("cutoff", NpgsqlDbType.TimestampTz) { Value = (_time.GetUtcNow() - _history.MaxAge).UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter("latest", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = _latestValueLike });
    }

    /// <summary>
    /// <see cref="HistoryOptions.LatestValueChannels"/> as LIKE patterns (<c>*</c> becomes <c>%</c>; LIKE's own
    /// <c>%</c>, <c>_</c> and <c>\</c> are escaped), so the database applies the same windows as the nodes.
    /// </summary>
    private static string[] LatestValuePatterns(HistoryOptions history)
    {
        var patterns = history.LatestValueChannels;
        if (patterns.Count == 0)
        {
            return [];
        }
        var like = new string[patterns.Count];
        for (var i = 0; i < like.Length; i++)
        {
            like[i] = patterns[i].Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal)
                .Replace("_", "\\_", StringComparison.Ordinal).Replace("*", "%", StringComparison.Ordinal);
        }
        return like;
    }
}
