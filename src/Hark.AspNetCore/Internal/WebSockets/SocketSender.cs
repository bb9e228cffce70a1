using System.Net.WebSockets;

namespace Hark.AspNetCore.Internal.WebSockets;

/// <summary>
/// The one writer of a socket (a WebSocket takes one send at a time). A frame is sent at once by the caller that brings
/// it when no send is under way, so a delivery costs no hop to another task; otherwise it joins a bounded queue that
/// the caller whose send is under way drains, in order, before it returns, and the close frame goes out after the
/// last frame. Overflow policy: a caller that finds the queue full waits for room; a client that leaves a frame unsent,
/// or the queue full, for <see cref="HarkWebSocketOptions.SendTimeout"/> is too slow: what is queued is dropped and the
/// socket closed with <see cref="CloseCodes.SlowConsumer"/>, or aborted when even that cannot go out. It resumes from
/// its cursor.
/// </summary>
internal sealed class SocketSender
{
    private readonly WebSocket _socket;
    private readonly int _limit;
    private readonly TimeSpan _sendTimeout;
    private readonly TimeProvider _time;
    private readonly HarkMetrics _metrics;
    private readonly Action _slow;
    private readonly TaskCompletionSource<bool> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Guarded by the lock on _done: the frames waiting while a send is under way (made on the first wait), whether a
    // caller is sending, whether frames are still taken, the close to send last, and who waits for room.
    private Queue<ReadOnlyMemory<byte>>? _queued;
    private bool _sending;
    private bool _completed;
    private (WebSocketCloseStatus Status, string Reason)? _close;
    private TaskCompletionSource<bool>? _room;

    public SocketSender(WebSocket socket, HarkWebSocketOptions options, TimeProvider time, HarkMetrics metrics, Action slow)
    {
        _socket = socket;
        _limit = options.SendQueueFrames;
        _sendTimeout = options.SendTimeout;
        _time = time;
        _metrics = metrics;
        _slow = slow;
    }

    /// <summary>
    /// Completes once the close frame is sent (true) or the socket failed or was given up (false: the caller aborts it).
    /// </summary>
    public Task<bool> Completion => _done.Task;

    /// <summary>
    /// Sends one frame, or queues it behind the send under way; false when the socket is closing and the frame will not be
    /// sent. Waits while the queue is full, up to the send timeout, after which the client is closed as too slow.
    /// </summary>
    public ValueTask<bool> SendAsync(ReadOnlyMemory<byte> frame)
    {
        lock (_done)
        {
            if (_completed)
            {
                return new ValueTask<bool>(false);
            }
            if (!_sending)
            {
                _sending = true;
            }
            else if ((_queued ??= new Queue<ReadOnlyMemory<byte>>()).Count < _limit)
            {
                _queued.Enqueue(frame);
                return new ValueTask<bool>(true);
            }
            else
            {
                return WaitForRoomAsync(frame, (_room ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously)).Task);
            }
        }
        return DrainAsync(frame);
    }

    private async ValueTask<bool> WaitForRoomAsync(ReadOnlyMemory<byte> frame, Task<bool> room)
    {
        try
        {
            if (!await room.WaitAsync(_sendTimeout, _time))
            {
                return false;
            }
        }
        catch (TimeoutException)
        {
            _slow();
            return false;
        }
        return await SendAsync(frame);
    }

    /// <summary>Sends what is queued, then a close frame; frames brought after this are refused.</summary>
    public void Close(WebSocketCloseStatus status, string reason) => Complete(status, reason, discard: false);

    /// <summary>Drops what is queued and sends the close frame once the frame being sent (if any) is out.</summary>
    public void CloseNow(WebSocketCloseStatus status, string reason) => Complete(status, reason, discard: true);

    /// <summary>Refuses every frame from now on; the caller aborts the socket.</summary>
    public void Abandon()
    {
        lock (_done)
        {
            _completed = true;
            _queued?.Clear();
            _close = null;
            _room?.TrySetResult(false);
            _room = null;
        }
        _done.TrySetResult(false);
    }

    private void Complete(WebSocketCloseStatus status, string reason, bool discard)
    {
        lock (_done)
        {
            if (_done.Task.IsCompleted || (_close is not null && !discard))
            {
                return;
            }
            _completed = true;
            if (discard || _close is null)
            {
                _close = (status, reason);
            }
            if (discard)
            {
                _queued?.Clear();
                _room?.TrySetResult(false);
                _room = null;
            }
            if (_sending)
            {
                // The caller whose send is under way sends the close after what is queued.
                return;
            }
            _sending = true;
        }
        _ = DrainAsync(null);
    }

    /// <summary>
    /// Sends <paramref name="first"/> (if any), then whatever was queued meanwhile, then the close when one was asked for
    /// and nothing is left; the caller held the sending turn, which this gives back. False when the socket failed.
    /// </summary>
    private async ValueTask<bool> DrainAsync(ReadOnlyMemory<byte>? first)
    {
        var frame = first;
        try
        {
            while (true)
            {
                if (frame is { } sending)
                {
                    var send = _socket.SendAsync(sending, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
                    if (!send.IsCompletedSuccessfully && !await WithinTimeoutAsync(send))
                    {
                        Fail();
                        return false;
                    }
                    _metrics.FrameSent(WebSocketEndpoint.Name);
                }
                (WebSocketCloseStatus Status, string Reason)? close = null;
                lock (_done)
                {
                    if (_queued is { Count: > 0 } queued)
                    {
                        frame = queued.Dequeue();
                        if (_room is not null && queued.Count < _limit)
                        {
                            _room.TrySetResult(true);
                            _room = null;
                        }
                        continue;
                    }
                    if (!_completed)
                    {
                        _sending = false;
                        return true;
                    }
                    close = _close;
                }
                if (close is { } last && _socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                {
                    await _socket.CloseOutputAsync(last.Status, last.Reason, CancellationToken.None).WaitAsync(_sendTimeout, _time);
                }
                _done.TrySetResult(close is not null);
                return true;
            }
        }
        catch (Exception e) when (e is WebSocketException or TimeoutException or OperationCanceledException or ObjectDisposedException
            or IOException or Microsoft.AspNetCore.Connections.ConnectionAbortedException)
        {
            Fail();
            return false;
        }
    }

    private void Fail()
    {
        lock (_done)
        {
            _completed = true;
            _queued?.Clear();
            _room?.TrySetResult(false);
            _room = null;
        }
        _done.TrySetResult(false);
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
