using System.Net.WebSockets;
using System.Threading.Channels;

namespace Hark.AspNetCore.Internal.WebSockets;

/// <summary>
/// The one writer of a socket (a WebSocket takes one send at a time): a bounded queue of text frames that every
/// subscription of the socket adds to, drained in order, then the close frame. Overflow policy: a subscription that
/// finds the queue full waits for room; a client that leaves a frame unsent, or the queue full, for
/// <see cref="HarkWebSocketOptions.SendTimeout"/> is too slow: what is queued is dropped and the socket closed with
/// <see cref="CloseCodes.SlowConsumer"/>, or aborted when even that cannot go out. It resumes from its cursor.
/// </summary>
internal sealed class SocketSender
{
    private readonly WebSocket _socket;
    private readonly Channel<ReadOnlyMemory<byte>> _queue;
    private readonly TimeSpan _sendTimeout;
    private readonly TimeProvider _time;
    private readonly HarkMetrics _metrics;
    private readonly Action _slow;
    private (WebSocketCloseStatus Status, string Reason)? _close;
    private volatile bool _discard;

    public SocketSender(WebSocket socket, HarkWebSocketOptions options, TimeProvider time, HarkMetrics metrics, Action slow)
    {
        _socket = socket;
        _queue = Channel.CreateBounded<ReadOnlyMemory<byte>>(new BoundedChannelOptions(options.SendQueueFrames)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        _sendTimeout = options.SendTimeout;
        _time = time;
        _metrics = metrics;
        _slow = slow;
    }

    /// <summary>Whether a close was asked for (nothing queued after it is sent).</summary>
    public bool Closing => _close is not null;

    /// <summary>
    /// Queues one frame; false when the socket is closing and the frame will not be sent. Waits while the queue is full,
    /// up to the send timeout, after which the client is closed as too slow.
    /// </summary>
    public ValueTask<bool> SendAsync(ReadOnlyMemory<byte> frame) =>
        _queue.Writer.TryWrite(frame) ? new ValueTask<bool>(true) : WaitForRoomAsync(frame);

    private async ValueTask<bool> WaitForRoomAsync(ReadOnlyMemory<byte> frame)
    {
        using var timeout = new CancellationTokenSource(_sendTimeout, _time);
        try
        {
            await _queue.Writer.WriteAsync(frame, timeout.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            _slow();
            return false;
        }
        catch (ChannelClosedException)
        {
            return false;
        }
    }

    /// <summary>Sends what is queued, then a close frame; frames queued after this are refused.</summary>
    public void Close(WebSocketCloseStatus status, string reason)
    {
        lock (_queue)
        {
            _close ??= (status, reason);
        }
        _queue.Writer.TryComplete();
    }

    /// <summary>Drops what is queued and sends the close frame once the frame being sent (if any) is out.</summary>
    public void CloseNow(WebSocketCloseStatus status, string reason)
    {
        lock (_queue)
        {
            _close = (status, reason);
            _discard = true;
        }
        _queue.Writer.TryComplete();
    }

    /// <summary>Refuses every frame from now on; the caller aborts the socket.</summary>
    public void Abandon()
    {
        _discard = true;
        _queue.Writer.TryComplete();
    }

    /// <summary>The writer: runs until the close frame is sent, or the socket fails. False when the socket had to be aborted.</summary>
    public async Task<bool> RunAsync()
    {
        var reader = _queue.Reader;
        try
        {
            while (!_discard && await reader.WaitToReadAsync())
            {
                while (!_discard && reader.TryRead(out var frame))
                {
                    var send = _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
                    if (!send.IsCompletedSuccessfully && !await WithinTimeoutAsync(send))
                    {
                        return false;
                    }
                    _metrics.FrameSent(WebSocketEndpoint.Name);
                }
            }
            if (_close is not { } close || _socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
            {
                return _close is not null;
            }
            await _socket.CloseOutputAsync(close.Status, close.Reason, CancellationToken.None).WaitAsync(_sendTimeout, _time);
            return true;
        }
        catch (Exception e) when (e is WebSocketException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>
    /// Waits for a send that did not finish at once. Past the send timeout the client is too slow: the queue is dropped,
    /// and the frame under way gets one more timeout to go out, so that the close frame can follow it.
    /// </summary>
    private async ValueTask<bool> WithinTimeoutAsync(ValueTask send)
    {
        var sending = send.AsTask();
        try
        {
            await sending.WaitAsync(_sendTimeout, _time);
            return true;
        }
        catch (TimeoutException)
        {
            _slow();
        }
        try
        {
            await sending.WaitAsync(_sendTimeout, _time);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
