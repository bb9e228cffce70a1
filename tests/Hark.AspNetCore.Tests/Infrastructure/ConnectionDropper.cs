using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace Hark.AspNetCore.Tests.Infrastructure;

/// <summary>Tracks the server's open connections so a test can cut them all, as a network failure would.</summary>
public sealed class ConnectionDropper
{
    private readonly ConcurrentDictionary<string, ConnectionContext> _open = new();

    public ConnectionDelegate Track(ConnectionDelegate next) => async connection =>
    {
        _open[connection.ConnectionId] = connection;
        try
        {
            await next(connection);
        }
        finally
        {
            _open.TryRemove(connection.ConnectionId, out _);
        }
    };

    /// <summary>Connections the server has accepted and not yet closed.</summary>
    public int Count => _open.Count;

    /// <summary>Aborts every open connection; returns how many there were.</summary>
    public int DropAll()
    {
        var dropped = 0;
        foreach (var (_, connection) in _open)
        {
            connection.Abort(new ConnectionAbortedException("Dropped by the test."));
            dropped++;
        }
        return dropped;
    }
}
