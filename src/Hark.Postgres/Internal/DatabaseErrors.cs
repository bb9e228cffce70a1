using System.Net.Sockets;
using Npgsql;

namespace Hark.Postgres.Internal;

/// <summary>Tells a database that is down, restarting or overloaded (answered 503) from a bug (left to surface).</summary>
internal static class DatabaseErrors
{
    public static bool IsUnavailable(Exception e) => e switch
    {
        PostgresException p => p.SqlState.StartsWith("08", StringComparison.Ordinal)   // connection exception
            || p.SqlState.StartsWith("53", StringComparison.Ordinal)                   // insufficient resources
            || p.SqlState.StartsWith("57", StringComparison.Ordinal)                   // operator intervention (shutdown, cancel)
            || p.SqlState.StartsWith("58", StringComparison.Ordinal)                   // system error
            || p.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected,
        NpgsqlException => true,
        SocketException or IOException or TimeoutException => true,
        _ => false,
    };

    /// <summary>
    /// The refusal a client reads (in the 503 problem's detail): what kind of failure, never the driver's message,
    /// which names hosts and internals. The whole exception stays inside, for the log.
    /// </summary>
    public static HarkUnavailableException Unavailable(Exception e) => new(e switch
    {
        PostgresException p => $"The database refused the statement (SQLSTATE {p.SqlState}); try again shortly.",
        TimeoutException or NpgsqlException { InnerException: TimeoutException } => "The database did not answer in time; try again shortly.",
        _ => "The database is unreachable; try again shortly.",
    }, e);
}
