namespace Hark.Postgres;

/// <summary>Settings of the PostgreSQL engine, bound from <c>Hark:Postgres</c>.</summary>
public sealed class PostgresOptions
{
    /// <summary>The configuration section bound by default.</summary>
    public const string SectionName = "Hark:Postgres";

    /// <summary>The Npgsql connection string (<c>Host=…;Database=…;Username=…;Password=…</c>). Required.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>How many recent messages of each active channel a node keeps in memory, so a fan-out reads the database once. Default 256.</summary>
    public int CacheMessagesPerChannel { get; set; } = 256;

    /// <summary>How long a channel with no waiter stays tracked (and cached) after its last use. Default 1 minute.</summary>
    public TimeSpan IdleChannelTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often the listening connection is checked when no notification arrives. Default 10 s.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest wait between two attempts to reconnect the listening connection. Default 5 s.</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the first start-up (schema migration and LISTEN) keeps retrying while the database is down. Default 30 s.</summary>
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
