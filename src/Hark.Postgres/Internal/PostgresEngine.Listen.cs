using System.Globalization;
using Npgsql;

namespace Hark.Postgres.Internal;

internal sealed partial class PostgresEngine
{
    private readonly TaskCompletionSource _listened = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Each successful LISTEN starts a generation; a channel's state is trusted without a database read only
    // when confirmed in the current one, because notifications sent while this node was not listening are lost.
    private long _generation;
    private bool _listeningNow;

    /// <summary>Whether the listening connection is up (readiness).</summary>
    public bool IsListening => Volatile.Read(ref _listeningNow);

    /// <summary>How many times LISTEN has succeeded (tests watch it rise after a reconnect).</summary>
    internal long Generation => Volatile.Read(ref _generation);

    /// <summary>
    /// Keeps one connection listening: on any failure it reconnects with backoff, listens again, and catches
    /// up by reading the state of every tracked channel, reporting those that moved meanwhile to the hub.
    /// Backoff and keep-alive use real time, not the injected clock: they pace a socket, not a protocol deadline.
    /// </summary>
    private async Task ListenAsync(CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _listenSource.OpenConnectionAsync(cancellationToken);
                connection.Notification += OnNotification;
                await using (var listen = new NpgsqlCommand("LISTEN " + Sql.NotifyChannel, connection))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken);
                }
                var generation = Interlocked.Increment(ref _generation);
                Volatile.Write(ref _listeningNow, true);
                Log.Listening(_logger, generation);
                await CatchUpAsync(generation, cancellationToken);
                _listened.TrySetResult();
                delay = TimeSpan.FromMilliseconds(100);
                while (true)
                {
                    if (!await connection.WaitAsync(_options.KeepAliveInterval, cancellationToken))
                    {
                        await using var ping = new NpgsqlCommand("SELECT 1", connection) { CommandTimeout = 5 };
                        await ping.ExecuteNonQueryAsync(cancellationToken);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                Volatile.Write(ref _listeningNow, false);
                Log.ListenerLost(_logger, delay, e);
                // Pooled connections from before the failure are likely dead too: drop the idle ones.
                _dataSource.Clear();
            }
            finally
            {
                Volatile.Write(ref _listeningNow, false);
            }
            try
            {
                await Task.Delay(delay, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxReconnectDelay.Ticks));
        }
    }

    /// <summary>Reads the state of every tracked channel (some may have moved while nobody listened) and confirms it in this generation.</summary>
    private async Task CatchUpAsync(long generation, CancellationToken cancellationToken)
    {
        // Every channel someone waits on here is tracked (its waiter read it first); the union is a safety net.
        foreach (var watched in _changes.WatchedChannels())
        {
            Track(watched);
        }
        var names = _channels.Keys.ToArray();
        for (var i = 0; i < names.Length; i += 1000)
        {
            var chunk = names.AsSpan(i, Math.Min(1000, names.Length - i)).ToArray();
            var states = await ReadStatesAsync(chunk, cancellationToken);
            foreach (var name in chunk)
            {
                Apply(name, states.GetValueOrDefault(name, ChannelState.None), null, generation);
            }
        }
        if (names.Length > 0)
        {
            Log.CaughtUp(_logger, names.Length);
        }
    }

    /// <summary>
    /// <c>{p|d} {epoch or reset stamp} {last seq} {total bytes} {node} {channel}</c>; runs on the listening connection's loop.
    /// A node's own notifications are skipped: it reported the change when its statement returned, and counted who it woke.
    /// </summary>
    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        var parts = e.Payload.Split(' ', 6);
        if (parts.Length != 6
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var stamp)
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var lastSeq)
            || !long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var totalBytes))
        {
            Log.BadNotification(_logger, e.Payload);
            return;
        }
        var name = parts[5];
        if (string.Equals(parts[4], _node, StringComparison.Ordinal) || !_channels.ContainsKey(name))
        {
            return;
        }
        var state = parts[0] == "d"
            ? new ChannelState(null, 0, 0, stamp)
            : new ChannelState(new Epoch(Instance, stamp), lastSeq, totalBytes, 0);
        Apply(name, state, null);
    }
}
