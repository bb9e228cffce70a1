namespace Hark.Redis;

/// <summary>Settings of the Redis engine, bound from <c>Hark:Redis</c>.</summary>
public sealed class RedisOptions
{
    /// <summary>The configuration section bound by default.</summary>
    public const string SectionName = "Hark:Redis";

    /// <summary>
    /// A StackExchange.Redis configuration string (<c>host:port,password=…,ssl=true</c>, or Sentinel's
    /// <c>sentinel1:26379,serviceName=mymaster</c>). Required.
    /// </summary>
    public string Configuration { get; set; } = "";

    /// <summary>What every key and the wake-up channel of this deployment start with, so several deployments share one Redis. Default <c>hark:</c>.</summary>
    public string KeyPrefix { get; set; } = "hark:";

    /// <summary>
    /// How long an idle channel's state (epoch, last sequence number, highest version, last delete) stays in Redis
    /// after its last publish or read; its messages go after <c>Hark:History:MaxAge</c>. A cursor into a channel
    /// forgotten this way reads as a <c>reset</c> gap. Default 1 day.
    /// </summary>
    public TimeSpan IdleChannelTtl { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Whether wake-ups go over sharded pub/sub (<c>SPUBLISH</c>/<c>SSUBSCRIBE</c>, Redis 7 and later) rather than classic
    /// <c>PUBLISH</c>. Null (the default): sharded where the server has it, as its version says at start-up.
    /// </summary>
    public bool? ShardedPubSub { get; set; }

    /// <summary>How often the node checks that its wake-up subscription still delivers (a probe through it). Default 10 s.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest wait between two checks while the subscription is down. Default 5 s.</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the first start-up keeps retrying while Redis is down. Default 30 s.</summary>
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
