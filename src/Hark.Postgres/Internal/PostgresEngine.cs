using System.Collections.Concurrent;
using Hark.Internal;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Hark.Postgres.Internal;

/// <summary>
/// The engine for several nodes on one PostgreSQL database. The database holds every channel's history,
/// sequence numbers and epochs, so any node answers any cursor and a restart invalidates none. Each node
/// listens for notifications of publishes and deletes and reports them to its hub; it keeps recent messages
/// of the channels it serves, so waking many subscribers of one channel costs one database read.
/// </summary>
internal sealed partial class PostgresEngine : IHarkEngine, IAsyncDisposable, IDisposable
{
    private readonly ConcurrentDictionary<string, TrackedChannel> _channels = new(StringComparer.Ordinal);
    private readonly NpgsqlDataSource _dataSource;
    private readonly NpgsqlDataSource _listenSource;
    private readonly HistoryOptions _history;

    /// <summary><see cref="HistoryOptions.LatestValueChannels"/> as LIKE patterns, made once: the options are fixed at start.</summary>
    private readonly string[] _latestValueLike;
    private readonly EngineLimits _limits;
    private readonly PostgresOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly StartOnce _start;
    private readonly ITimer _sweepTimer;
    // Names this engine in its notifications, so it can skip its own.
    private readonly string _node = Guid.NewGuid().ToString("N")[..12];
    private IChannelChangeListener _changes = NoChangeListener.Instance;
    private Task? _listening;
    private int _trimming;
    private long _instance;

    public PostgresEngine(PostgresOptions options, HistoryOptions history, EngineLimits limits, TimeProvider time, ILogger<PostgresEngine> logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ConnectionString, "Hark:Postgres:ConnectionString");
        _options = options;
        _start = new StartOnce(StartCoreAsync);
        _history = history;
        _latestValueLike = LatestValuePatterns(history);
        _limits = limits;
        _time = time;
        _logger = logger;
        var pooled = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        if (pooled.MaxAutoPrepare == 0)
        {
            // The engine runs a handful of statements over and over: prepared once per connection, they skip planning.
            pooled.MaxAutoPrepare = 16;
        }
        _dataSource = NpgsqlDataSource.Create(pooled.ConnectionString);
        // The listening connection is its own, unpooled and named, so operators can tell it apart in pg_stat_activity.
        var listen = new NpgsqlConnectionStringBuilder(options.ConnectionString) { Pooling = false };
        listen.ApplicationName = (string.IsNullOrEmpty(listen.ApplicationName) ? "hark" : listen.ApplicationName) + " (listen)";
        _listenSource = NpgsqlDataSource.Create(listen.ConnectionString);
        _sweepTimer = time.CreateTimer(static s => ((PostgresEngine)s!).Sweep(), this, history.SweepInterval, history.SweepInterval);
    }

    public void Attach(IChannelChangeListener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        Volatile.Write(ref _changes, listener);
    }

    /// <summary>The pooled connections of the engine's statements, shared with the presence store.</summary>
    public NpgsqlDataSource DataSource => _dataSource;

    /// <summary>This database's part of every epoch; known once the engine has started.</summary>
    public long Instance => Volatile.Read(ref _instance);

    /// <summary>Channels this node tracks (has waiters on, or read lately).</summary>
    public long ChannelCount => _channels.Count;

    /// <summary>Bytes of recent messages this node keeps in memory; the history itself is in the database.</summary>
    public long HistoryBytes
    {
        get
        {
            var bytes = 0L;
            foreach (var (_, channel) in _channels)
            {
                lock (channel.Gate)
                {
                    foreach (var m in channel.Cache)
                    {
                        bytes += m.Size;
                    }
                }
            }
            return bytes;
        }
    }

    /// <summary>
    /// Migrates the schema, reads the instance number and starts listening. Idempotent; after a failure
    /// the next call tries again. Every operation awaits it, so the engine also starts on first use.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken) => _start.WaitAsync(cancellationToken);

    private async Task StartCoreAsync()
    {
        try
        {
            var before = await Schema.MigrateAsync(_dataSource, _stopping.Token);
            if (before != Schema.Version)
            {
                Log.Migrated(_logger, before, Schema.Version);
            }
            await using (var command = _dataSource.CreateCommand(Sql.Instance))
            {
                Volatile.Write(ref _instance, (long)(await command.ExecuteScalarAsync(_stopping.Token))!);
            }
        }
        catch (Exception e) when (DatabaseErrors.IsUnavailable(e))
        {
            throw DatabaseErrors.Unavailable(e);
        }
        _listening ??= Task.Run(() => ListenAsync(_stopping.Token));
        // Serving before the first LISTEN is correct, only slower (every wait reads the state), so this
        // waits for it a little, not forever.
        await Task.WhenAny(_listened.Task, Task.Delay(TimeSpan.FromSeconds(5), _stopping.Token));
    }

    private static HarkMessage ToMessage(string channel, Epoch epoch, long seq, DateTimeOffset time, string? eventName, bool isText, byte[] data, long order, long? version,
        string? traceParent) =>
        StoredMessage.Restore(channel, epoch, seq, time, eventName, isText, data, order, version, traceParent);

    // PostgreSQL keeps microseconds: a node's own copy of a message must carry the very time the others read back.
    private DateTimeOffset Now()
    {
        var now = _time.GetUtcNow();
        return new DateTimeOffset(now.UtcTicks - (now.UtcTicks % 10), TimeSpan.Zero);
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }
        _stopping.Cancel();
        _sweepTimer.Dispose();
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
        await _dataSource.DisposeAsync();
        await _listenSource.DisposeAsync();
        _stopping.Dispose();
    }
}
