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

    public static HarkUnavailableException Unavailable(Exception e) =>
        new("Redis is unavailable; try again shortly. (" + e.GetBaseException().Message + ")", e);
}
