using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Hark.AspNetCore.Internal.Direct;

/// <summary>
/// One connection served by <see cref="DirectLongPoll"/>: its pipes, the client's address, the keep-alive
/// timer between requests.
/// </summary>
internal sealed class DirectConnection : IDisposable
{
    private readonly ConnectionContext _connection;
    private readonly TimeSpan _keepAlive;
    private readonly TimeSpan _firstRequest;
    private readonly CancellationTokenSource _idle = new();
    private readonly CancellationTokenRegistration _closingRegistration;
    private int _requests;
    private bool _disposed;

    public DirectConnection(ConnectionContext connection, KestrelServerLimits limits)
    {
        _connection = connection;
        // Kestrel's "infinite" is TimeSpan.MaxValue, beyond what a timer takes.
        _keepAlive = Bounded(limits.KeepAliveTimeout);
        // A new connection gets as long as Kestrel gives a request head, not a whole keep-alive period.
        _firstRequest = Bounded(limits.RequestHeadersTimeout);
        RemoteEndPoint = connection.RemoteEndPoint as IPEndPoint;
        Address = RequestLimits.Client(RemoteEndPoint?.Address);
        Closing = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? CancellationToken.None;
        // The server is stopping: an idle connection ends now; a held poll is answered by the engine's shutdown.
        _closingRegistration = Closing.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _idle);
    }

    public PipeReader Input => _connection.Transport.Input;

    public PipeWriter Output => _connection.Transport.Output;

    /// <summary>The peer at the other end of the connection (a proxy, when there is one).</summary>
    public IPEndPoint? RemoteEndPoint { get; }

    /// <summary>The address the per-address limits count this connection's requests by, unless they are forwarded.</summary>
    public IPAddress Address { get; }

    /// <summary>Fires when the server asks connections to close (shutdown).</summary>
    public CancellationToken Closing { get; }

    /// <summary>Fires when the client has closed the connection (Kestrel's transport saw it end), held poll or not.</summary>
    public CancellationToken Aborted => _connection.ConnectionClosed;

    /// <summary>
    /// Waits for the next request's bytes, at most the keep-alive timeout; null when the client closed the
    /// connection, stayed idle too long, or the server is stopping.
    /// </summary>
    public async ValueTask<ReadResult?> ReadRequestAsync()
    {
        while (true)
        {
            ReadResult result;
            try
            {
                _idle.CancelAfter(_requests == 0 ? _firstRequest : _keepAlive);
                result = await Input.ReadAsync(_idle.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionAbortedException)
            {
                return null;
            }
            _idle.TryReset();
            if (!result.Buffer.IsEmpty)
            {
                return result;
            }
            Input.AdvanceTo(result.Buffer.Start);
            if (result.IsCompleted)
            {
                return null;
            }
        }
    }

    /// <summary>Sends what was written; a client that does not read for the keep-alive timeout is dropped.</summary>
    public async ValueTask<bool> FlushAsync()
    {
        try
        {
            var flush = Output.FlushAsync();
            if (flush.IsCompletedSuccessfully)
            {
                return !flush.Result.IsCompleted;
            }
            _idle.CancelAfter(_keepAlive);
            FlushResult result;
            using (_idle.Token.UnsafeRegister(static s => ((PipeWriter)s!).CancelPendingFlush(), Output))
            {
                result = await flush;
            }
            return _idle.TryReset() && !result.IsCanceled && !result.IsCompleted;
        }
        catch (Exception e) when (e is IOException or ConnectionAbortedException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Counts a request read here.</summary>
    public void Served() => _requests++;

    /// <summary>A trace identifier in Kestrel's form, connection id and request number.</summary>
    public string TraceId() => $"{_connection.ConnectionId}:{_requests:X8}";

    private static TimeSpan Bounded(TimeSpan timeout) =>
        timeout <= TimeSpan.Zero || timeout >= TimeSpan.FromMilliseconds(int.MaxValue) ? Timeout.InfiniteTimeSpan : timeout;

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _closingRegistration.Dispose();
        _idle.Dispose();
    }
}
