using System.Net.Sockets;
using StackExchange.Redis;

namespace Hark.Redis.Internal;

/// <summary>Tells a Redis that is down, loading, failing over or paused (answered 503) from a bug (left to surface).</summary>
internal static class RedisErrors
{
    private static readonly string[] TransientServerErrors = ["LOADING", "BUSY", "MASTERDOWN", "READONLY", "TRYAGAIN", "CLUSTERDOWN", "NOREPLICAS", "MISCONF"];

    public static bool IsUnavailable(Exception e) => e switch
    {
        RedisServerException s => TransientServerErrors.Any(code => s.Message.StartsWith(code, StringComparison.Ordinal)),
        RedisConnectionException or RedisTimeoutException => true,
        SocketException or IOException or TimeoutException => true,
        _ => false,
    };

    /// <summary>
    /// The refusal a client reads (in the 503 problem's detail): what kind of failure, never the driver's diagnostics,
    /// which name servers and internals. The whole exception stays inside, for the log.
    /// </summary>
    public static HarkUnavailableException Unavailable(Exception e) => new(e switch
    {
        RedisTimeoutException or TimeoutException => "Redis did not answer in time; try again shortly.",
        RedisServerException s => $"Redis refused the command ({s.Message.Split(' ', 2)[0]}); try again shortly.",
        _ => "Redis is unreachable; try again shortly.",
    }, e);
}
