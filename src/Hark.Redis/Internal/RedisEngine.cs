using System.Diagnostics;
using System.Globalization;
using Hark.Internal;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Hark.Redis.Internal;

/// <summary>
/// The engine for several nodes on one Redis. Redis holds every channel's history, sequence numbers, versions and
/// epochs, so any node answers any cursor; each publish is one Lua script (see <see cref="Scripts"/>) that also
/// publishes a wake-up on the deployment's one pub/sub channel. Each node subscribes to it once and reports what it
/// hears to its hub; after any interruption it re-reads the channels its subscribers wait on.
/// </summary>
internal sealed partial class RedisEngine : IHarkEngine, IAsyncDisposable, IDisposable
{
    private readonly RedisOptions _options;
    private readonly HistoryOptions _history;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly StartOnce _start;
    private readonly RedisKey _instanceKey;
    private readonly RedisKey _clockKey;
    private RedisChannel _wakeChannel;
    private bool _sharded;
    // Names this engine in its wake-ups, so it can skip its own.
    private readonly string _node = Guid.NewGuid().ToString("N")[..12];
    // The highest clock value an answer from Redis has shown this node (a publish's order, a delete's stamp, a read's
    // clock). Redis's clock only grows, so a script that finds it lower, sent after that answer came, runs on a Redis
    // that lost acknowledged writes: a failover to a replica that missed them, or an append-only file that lost its
    // last second. The script then starts a new instance (see Scripts), so no cursor into the lost part is misread.
    private long _clockFloor;

    // Written into Redis by whichever script first finds no instance there (or finds its clock below the floor), with
    // the floor: "{candidate}:{floor}". A new random candidate for every script: one drawn per node would come back
    // the same when the node that wrote it is first again after Redis lost its data, and with the stamps counting
    // from 1 again, old cursors would read as positions in the new history.
    private string InstanceCandidate() =>
        string.Create(CultureInfo.InvariantCulture, $"{Random.Shared.NextInt64(1L << 51) | (1L << 51)}:{Volatile.Read(ref _clockFloor)}");

    /// <summary>Raises the clock floor to <paramref name="clock"/>, a value an answer from Redis just showed.</summary>
    private void Saw(long clock)
    {
        var floor = Volatile.Read(ref _clockFloor);
        while (clock > floor)
        {
            var was = Interlocked.CompareExchange(ref _clockFloor, clock, floor);
            if (was == floor)
            {
                return;
            }
            floor = was;
        }
    }
    private IChannelChangeListener _changes = NoChangeListener.Instance;
    private ConnectionMultiplexer? _redis;
    private long _instance;

    /// <summary>Told of the connection once it is made (tracing instruments it).</summary>
    public Action<IConnectionMultiplexer>? Connected { get; init; }

    public RedisEngine(RedisOptions options, HistoryOptions history, TimeProvider time, ILogger<RedisEngine> logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Configuration, "Hark:Redis:Configuration");
        _options = options;
        _start = new StartOnce(StartCoreAsync);
        _history = history;
        _time = time;
        _logger = logger;
        _instanceKey = new RedisKey(options.KeyPrefix + "instance");
        _clockKey = new RedisKey(options.KeyPrefix + "clock");
        _wakeChannel = RedisChannel.Literal(options.KeyPrefix + "wake");
    }

    public void Attach(IChannelChangeListener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        Volatile.Write(ref _changes, listener);
    }

    /// <summary>This Redis's part of every epoch, as last seen; 0 before the first answer.</summary>
    public long Instance => Volatile.Read(ref _instance);

    /// <summary>The channels live in Redis; a node holds none of them.</summary>
    public long ChannelCount => 0;

    /// <summary>The history lives in Redis; a node holds none of it.</summary>
    public long HistoryBytes => 0;

    /// <summary>
    /// Connects and subscribes. Idempotent; after a failure the next call tries again. Every operation awaits it,
    /// so the engine also starts on first use.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken) => _start.WaitAsync(cancellationToken);

    private async Task StartCoreAsync()
    {
        var configuration = ConfigurationOptions.Parse(_options.Configuration);
        // The first connection must work (else this start fails and the next use tries again); later ones are
        // re-made in the background. A command while disconnected fails at once: its publisher gets a 503 to retry.
        configuration.AbortOnConnectFail = true;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ClientName ??= "hark";
        ConnectionMultiplexer redis;
        try
        {
            redis = await ConnectionMultiplexer.ConnectAsync(configuration);
        }
        catch (Exception e) when (RedisErrors.IsUnavailable(e))
        {
            throw RedisErrors.Unavailable(e);
        }
        try
        {
            redis.ConnectionFailed += OnConnectionFailed;
            redis.ConnectionRestored += OnConnectionRestored;
            if (_options.ShardedPubSub ?? HasShardedPubSub(redis))
            {
                _sharded = true;
                _wakeChannel = RedisChannel.Sharded(_options.KeyPrefix + "wake");
            }
            await SubscribeAsync(redis, TimeSpan.FromMilliseconds(configuration.ConnectTimeout));
        }
        catch (Exception e) when (RedisErrors.IsUnavailable(e))
        {
            await redis.DisposeAsync();
            throw RedisErrors.Unavailable(e);
        }
        _redis = redis;
        Connected?.Invoke(redis);
        _listening = Task.Run(() => ListenAsync(_stopping.Token));
        // Serving before the first probe came back is correct (a lost wake-up is caught up), only later; so this
        // waits for it a little, not forever.
        await Task.WhenAny(_listened.Task, Task.Delay(TimeSpan.FromSeconds(5), _stopping.Token));
    }

    /// <summary>
    /// Subscribes to the wake-up channel. The subscription has a connection of its own, which may still be connecting
    /// when the first one is up; with commands failing fast, the subscribe is tried again until it is, within
    /// <paramref name="patience"/>. Real time, not the injected clock: it paces a socket (a test's manual clock would
    /// leave it waiting for ever).
    /// </summary>
    private async Task SubscribeAsync(ConnectionMultiplexer redis, TimeSpan patience)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            try
            {
                (await redis.GetSubscriber().SubscribeAsync(_wakeChannel)).OnMessage(OnWake);
                return;
            }
            catch (RedisConnectionException) when (Stopwatch.GetElapsedTime(started) < patience)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(25));
            }
        }
    }

    /// <summary>Whether the primary the node is connected to has sharded pub/sub (Redis 7 and later, Valkey).</summary>
    private static bool HasShardedPubSub(ConnectionMultiplexer redis) =>
        redis.GetServers().FirstOrDefault(s => s.IsConnected && !s.IsReplica) is { } primary && primary.Version >= new Version(7, 0);

    /// <summary>Whether wake-ups go over sharded pub/sub; known once started.</summary>
    public bool ShardedPubSub => _sharded;

    /// <summary>The engine's connection, shared with the presence store; once started.</summary>
    public IDatabase Database => (_redis ?? throw new InvalidOperationException("The Redis engine has not started.")).GetDatabase();

    private RedisKey StateKey(string channel) => new(_options.KeyPrefix + "s:" + channel);

    private RedisKey HistoryKey(string channel) => new(_options.KeyPrefix + "h:" + channel);

    private long StateTtl => (long)Math.Ceiling(_options.IdleChannelTtl.TotalMilliseconds);

    /// <summary>Every message is older than <c>History:MaxAge</c> that long after the channel's last publish.</summary>
    private long HistoryTtl => Math.Max(1, (long)Math.Ceiling(_history.MaxAge.TotalMilliseconds));

    /// <summary>Oldest publish time a history keeps, in the entries' unit (µs since the Unix epoch).</summary>
    private long Cutoff => StoredEntry.Micros(_time.GetUtcNow() - _history.MaxAge);

    private int MaxMessages(string channel) => _history.IsLatestValue(channel) ? 1 : _history.MaxMessages;

    /// <summary>
    /// Takes in the instance an answer carried. A new one means Redis lost its data (a restart without persistence,
    /// a flush): every waiter here reads again, and finds its cursor from a history that is gone.
    /// </summary>
    private long Observe(RedisResult instance) => Observe(long.Parse((string)instance!, NumberStyles.None, CultureInfo.InvariantCulture));

    private long Observe(long seen)
    {
        var known = Interlocked.Exchange(ref _instance, seen);
        if (known != 0 && known != seen)
        {
            Log.StoreReset(_logger, seen);
            foreach (var channel in _changes.WatchedChannels())
            {
                _changes.Reset(channel);
            }
        }
        return seen;
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }
        _stopping.Cancel();
        if (_listening is not null)
        {
            try
            {
                await _listening;
            }
            catch (OperationCanceledException)
            {
            }
        }
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
        _stopping.Dispose();
    }
}
