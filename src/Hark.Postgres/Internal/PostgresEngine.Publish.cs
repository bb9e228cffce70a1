using Npgsql;
using NpgsqlTypes;

namespace Hark.Postgres.Internal;

internal sealed partial class PostgresEngine
{
    public async ValueTask<PublishResult> PublishAsync(PublishRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return (await PublishBatchAsync([request], cancellationToken))[0];
    }

    /// <summary>One statement, one round trip, one transaction, whatever the batch holds.</summary>
    public async ValueTask<IReadOnlyList<PublishResult>> PublishBatchAsync(IReadOnlyList<PublishRequest> requests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        if (requests.Count == 0)
        {
            return [];
        }
        var count = requests.Count;
        var channels = new string[count];
        var events = new string?[count];
        var isText = new bool[count];
        var data = new byte[count][];
        var sizes = new int[count];
        for (var i = 0; i < count; i++)
        {
            var r = requests[i];
            if (!ChannelName.IsValid(r.Channel))
            {
                throw new ArgumentException($"Invalid channel name '{r.Channel}'.", nameof(requests));
            }
            channels[i] = r.Channel;
            events[i] = r.Event;
            isText[i] = r.Payload.IsText;
            data[i] = r.Payload.Utf8.ToArray();
            sizes[i] = StoredSize(r);
        }
        await StartAsync(cancellationToken);
        var now = Now();
        var rows = new (Epoch Epoch, long Seq, long Id, long EndBytes, long LastSeq, long TotalBytes)[count];
        try
        {
            await using var command = _dataSource.CreateCommand(Sql.Publish);
            command.Parameters.Add(new NpgsqlParameter("channels", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = channels });
            command.Parameters.Add(new NpgsqlParameter("events", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = events });
            command.Parameters.Add(new NpgsqlParameter("is_text", NpgsqlDbType.Array | NpgsqlDbType.Boolean) { Value = isText });
            command.Parameters.Add(new NpgsqlParameter("data", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = data });
            command.Parameters.Add(new NpgsqlParameter("sizes", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = sizes });
            command.Parameters.Add(new NpgsqlParameter("time", NpgsqlDbType.TimestampTz) { Value = now.UtcDateTime });
            command.Parameters.AddWithValue("node", _node);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var i = 0;
            while (await reader.ReadAsync(cancellationToken))
            {
                rows[i++] = (new Epoch(Instance, reader.GetInt64(0)), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5));
            }
        }
        catch (Exception e) when (DatabaseErrors.IsUnavailable(e))
        {
            // It may have committed with the answer lost; then only this node's waiters missed it (its own
            // notification is skipped), so they are checked against the database once it answers again.
            foreach (var channel in channels.Distinct(StringComparer.Ordinal))
            {
                Recheck(channel);
            }
            throw DatabaseErrors.Unavailable(e);
        }
        catch (OperationCanceledException)
        {
            foreach (var channel in channels.Distinct(StringComparer.Ordinal))
            {
                Recheck(channel);
            }
            throw;
        }

        // Committed: tell this node's waiters now (the notification comes back to this node too, and then changes nothing).
        var results = new PublishResult[count];
        var woken = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var (epoch, seq, _, _, lastSeq, totalBytes) = rows[i];
            var channel = channels[i];
            if (!woken.TryGetValue(channel, out _))
            {
                woken[channel] = _channels.ContainsKey(channel)
                    ? Apply(channel, new ChannelState(epoch, lastSeq, totalBytes, 0), CachedOf(requests, rows, channel, now))
                    : 0;
                results[i] = new PublishResult(channel, seq, Cursor.Format(epoch, seq), woken[channel]);
            }
            else
            {
                results[i] = new PublishResult(channel, seq, Cursor.Format(epoch, seq), 0);
            }
        }
        return results;
    }

    private static List<CachedMessage> CachedOf(IReadOnlyList<PublishRequest> requests, (Epoch Epoch, long Seq, long Id, long EndBytes, long LastSeq, long TotalBytes)[] rows, string channel, DateTimeOffset now)
    {
        var list = new List<CachedMessage>();
        for (var i = 0; i < requests.Count; i++)
        {
            var r = requests[i];
            if (string.Equals(r.Channel, channel, StringComparison.Ordinal))
            {
                var row = rows[i];
                list.Add(new CachedMessage(new HarkMessage(channel, row.Epoch, row.Seq, now, r.Event, r.Payload, row.Id), StoredSize(r), row.EndBytes));
            }
        }
        return list;
    }

    /// <summary>What a message counts against the history's byte bound: its payload and event name as stored.</summary>
    private static int StoredSize(PublishRequest r) => r.Payload.Size + (r.Event?.Length ?? 0);

    public async ValueTask<bool> DeleteChannelAsync(string channel, CancellationToken cancellationToken)
    {
        await StartAsync(cancellationToken);
        long? stamp = null;
        try
        {
            await using var command = _dataSource.CreateCommand(Sql.Delete);
            command.Parameters.AddWithValue("channel", channel);
            command.Parameters.Add(new NpgsqlParameter("time", NpgsqlDbType.TimestampTz) { Value = Now().UtcDateTime });
            command.Parameters.AddWithValue("node", _node);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                stamp = reader.GetInt64(0);
            }
        }
        catch (Exception e) when (DatabaseErrors.IsUnavailable(e))
        {
            Recheck(channel);
            throw DatabaseErrors.Unavailable(e);
        }
        if (stamp is null)
        {
            return false;
        }
        if (_channels.ContainsKey(channel))
        {
            Apply(channel, new ChannelState(null, 0, 0, stamp.Value), null);
        }
        return true;
    }
}
