using System.Globalization;
using Hark.Internal;
using StackExchange.Redis;

namespace Hark.Redis.Internal;

internal sealed partial class RedisEngine
{
    private readonly TaskCompletionSource _listened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _checkNow = new(0);
    private Task? _listening;
    private TaskCompletionSource? _probe;
    private string _probeToken = "";
    private bool _listeningNow;
    private long _generation;

    /// <summary>Whether the wake-up subscription is known to deliver (readiness).</summary>
    public bool IsListening => Volatile.Read(ref _listeningNow);

    /// <summary>How many times the subscription was confirmed after an interruption (tests watch it rise).</summary>
    internal long Generation => Volatile.Read(ref _generation);

    /// <summary>
    /// Keeps the one subscription trusted. StackExchange.Redis re-makes a lost connection and re-subscribes by itself;
    /// what it cannot do is bring back the wake-ups published meanwhile. So this loop sends a probe through the
    /// subscription (a PUBLISH it must hear back) now and every <see cref="RedisOptions.KeepAliveInterval"/>, and
    /// whenever a connection failed or came back; the first probe heard after an interruption proves the subscription
    /// delivers again, and then every channel waited on here is read again and its changes reported (the catch-up).
    /// Backoff and keep-alive use real time, not the injected clock: they pace a socket, not a protocol deadline.
    /// </summary>
    private async Task ListenAsync(CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        while (!cancellationToken.IsCancellationRequested)
        {
            var heard = false;
            try
            {
                heard = await ProbeAsync(cancellationToken);
                if (heard && !IsListening)
                {
                    var generation = Interlocked.Increment(ref _generation);
                    await CatchUpAsync(_changes.WatchedChannels(), cancellationToken);
                    Volatile.Write(ref _listeningNow, true);
                    Log.Listening(_logger, generation);
                    _listened.TrySetResult();
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is HarkUnavailableException || RedisErrors.IsUnavailable(e))
            {
                heard = false;
            }
            if (!heard)
            {
                if (Volatile.Read(ref _listeningNow))
                {
                    Log.SubscriptionLost(_logger, delay);
                }
                Volatile.Write(ref _listeningNow, false);
            }
            delay = heard ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxReconnectDelay.Ticks));
            try
            {
                await _checkNow.WaitAsync(heard ? _options.KeepAliveInterval : delay, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>Publishes a probe on the wake-up channel; true when this node's subscription hears it within 5 s.</summary>
    private async Task<bool> ProbeAsync(CancellationToken cancellationToken)
    {
        var probe = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var token = Guid.NewGuid().ToString("N");
        Volatile.Write(ref _probeToken, token);
        Volatile.Write(ref _probe, probe);
        await _redis!.GetSubscriber().PublishAsync(_wakeChannel, "k " + _node + " " + token);
        try
        {
            await probe.Task.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        // Wake-ups sent while a connection was down are lost: nothing is trusted until a probe comes back.
        Volatile.Write(ref _listeningNow, false);
        Log.ConnectionFailed(_logger, e.ConnectionType, e.FailureType, e.Exception);
        _checkNow.Release();
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e) => _checkNow.Release();

    /// <summary>
    /// <c>p {instance} {epoch stamp} {last seq} {node} {channel}</c>, <c>d {instance} {delete stamp} 0 {node} {channel}</c>,
    /// or a probe <c>k {node} {token}</c>. A node's own wake-ups are skipped: it reported the change when its script returned.
    /// </summary>
    private void OnWake(ChannelMessage message)
    {
        var text = (string?)message.Message ?? "";
        var parts = text.Split(' ', 6);
        if (parts is ["k", var node, var token] && node == _node)
        {
            if (token == Volatile.Read(ref _probeToken))
            {
                Volatile.Read(ref _probe)?.TrySetResult();
            }
            return;
        }
        if (parts.Length != 6 || parts[0] is not ("p" or "d")
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var instance)
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var stamp)
            || !long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var lastSeq))
        {
            if (parts[0] != "k")
            {
                Log.BadWakeUp(_logger, text);
            }
            return;
        }
        var channel = parts[5];
        if (parts[4] == _node || !_changes.IsWatched(channel))
        {
            return;
        }
        Observe(instance);
        if (parts[0] == "p")
        {
            _changes.Appended(channel, new Epoch(instance, stamp), lastSeq);
        }
        else
        {
            _changes.Deleted(channel, p => StoredHistory.ClosedByDelete(p, instance, stamp));
        }
    }

    /// <summary>Reads the state of <paramref name="channels"/> and reports each to the hub, which wakes whoever is behind it.</summary>
    private async Task CatchUpAsync(IReadOnlyCollection<string> channels, CancellationToken cancellationToken)
    {
        var names = channels.ToArray();
        if (names.Length == 0 && _listened.Task.IsCompleted)
        {
            // Nothing waited on here, but after an interruption a script still runs: one that finds Redis behind this
            // node's clock floor (writes lost in a failover) starts the new instance now, before other nodes serve more
            // reads. (Not at the first start, which has no floor yet and waits for this loop.)
            await ReadRowsAsync([], 0, false, cancellationToken);
        }
        for (var i = 0; i < names.Length; i += 500)
        {
            var chunk = names.AsSpan(i, Math.Min(500, names.Length - i)).ToArray();
            var (instance, _, rows) = await ReadRowsAsync([.. chunk.Select(c => new ChannelPosition(c, default, 0))], 0, false, cancellationToken);
            for (var k = 0; k < chunk.Length; k++)
            {
                var row = rows[k];
                if (row.EpochStamp is { } stamp)
                {
                    _changes.Appended(chunk[k], new Epoch(instance, stamp), row.LastSeq);
                }
                else if (row.ResetStamp > 0)
                {
                    _changes.Deleted(chunk[k], p => StoredHistory.ClosedByDelete(p, instance, row.ResetStamp));
                }
            }
        }
        if (names.Length > 0)
        {
            Log.CaughtUp(_logger, names.Length);
        }
    }

    /// <summary>
    /// After a write whose outcome is unknown (its answer was lost): reads the channels again in the background, until
    /// Redis answers, so this node's waiters hear of a write that did run.
    /// </summary>
    private void CatchUpLater(IReadOnlyCollection<string> channels) => _ = CatchUpRetryingAsync(channels);

    private async Task CatchUpRetryingAsync(IReadOnlyCollection<string> channels)
    {
        for (var delay = TimeSpan.FromMilliseconds(200); !_stopping.IsCancellationRequested; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxReconnectDelay.Ticks)))
        {
            try
            {
                await Task.Delay(delay, _stopping.Token);
                await CatchUpAsync([.. channels.Where(_changes.IsWatched)], _stopping.Token);
                return;
            }
            catch (Exception e) when (e is HarkUnavailableException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }
}
