using Hark.Internal;
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
        var versions = new long?[count];
        var traces = new string?[count];
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
            sizes[i] = HistoryWindow.StoredSize(r);
            versions[i] = r.Version;
            traces[i] = r.TraceParent;
        }
        // Most publishes carry no version and go to one channel: they take the simpler, faster statement.
        var unversioned = versions.All(v => v is null) && channels.All(c => string.Equals(c, channels[0], StringComparison.Ordinal));
        await StartAsync(cancellationToken);
        var now = Now();
        var rows = new PublishedRow[count];
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await using var command = _dataSource.CreateCommand(unversioned ? Sql.PublishUnversioned : Sql.Publish);
                    command.Parameters.Add(new NpgsqlParameter("channels", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = channels });
                    command.Parameters.Add(new NpgsqlParameter("events", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = events });
                    command.Parameters.Add(new NpgsqlParameter("is_text", NpgsqlDbType.Array | NpgsqlDbType.Boolean) { Value = isText });
                    command.Parameters.Add(new NpgsqlParameter("data", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = data });
                    command.Parameters.Add(new NpgsqlParameter("sizes", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = sizes });
                    command.Parameters.Add(new NpgsqlParameter("traces", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = traces });
                    if (!unversioned)
                    {
                        command.Parameters.Add(new NpgsqlParameter("versions", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = versions });
                    }
                    command.Parameters.Add(new NpgsqlParameter("time", NpgsqlDbType.TimestampTz) { Value = now.UtcDateTime });
                    command.Parameters.AddWithValue("node", _node);
                    await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                    var i = 0;
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        rows[i++] = new PublishedRow(new Epoch(Instance, reader.GetInt64(0)), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetInt64(2),
                            reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.IsDBNull(6) ? null : reader.GetInt64(6));
                    }
                    break;
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.TableName == "hark_channels" && attempt < 3)
                {
                    // Another node created one of these channels after this statement began: nothing was written; now
                    // the row is there to lock, and the version check sees what that node published.
                    Log.ChannelCreatedConcurrently(_logger, attempt);
                }
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
        // A channel's waiters are counted once, on its first published item; a stale item woke no one.
        var results = new PublishResult[count];
        var woken = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var row = rows[i];
            var channel = channels[i];
            var subscribers = 0;
            if (row.Id is not null && woken.Add(channel))
            {
                subscribers = _channels.ContainsKey(channel)
                    ? Apply(channel, new ChannelState(row.Epoch, row.LastSeq, row.TotalBytes, 0), CachedOf(requests, rows, channel, now))
                    : 0;
            }
            results[i] = new PublishResult(channel, row.Seq, Cursor.Format(row.Epoch, row.Seq), subscribers)
            {
                Stale = row.Id is null,
                Version = row.Version,
            };
        }
        return results;
    }

    private static List<CachedMessage> CachedOf(IReadOnlyList<PublishRequest> requests, PublishedRow[] rows, string channel, DateTimeOffset now)
    {
        var list = new List<CachedMessage>();
        for (var i = 0; i < requests.Count; i++)
        {
            var r = requests[i];
            if (rows[i].Id is { } id && string.Equals(r.Channel, channel, StringComparison.Ordinal))
            {
                var row = rows[i];
                list.Add(new CachedMessage(new HarkMessage(channel, row.Epoch, row.Seq, now, r.Event, r.Payload, id, r.Version, r.TraceParent), HistoryWindow.StoredSize(r), row.EndBytes));
            }
        }
        return list;
    }

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
