using System.Net;
using System.Net.WebSockets;
using Hark.Hub;
using Microsoft.AspNetCore.Http;

namespace Hark.AspNetCore.Internal.WebSockets;

/// <summary>
/// One open socket: the commands its client sends (<see cref="ReceiveAsync"/>), its subscriptions, each held through the
/// hub by a loop of its own, and the one writer they all queue frames to (<see cref="SocketSender"/>). It ends in one of:
/// the client closes (its close is answered, nothing more is sent); the client is gone or silent past the keep-alive
/// timeout (the socket is aborted); a frame that is not a command (an error frame, then a 44xx close); the client does not
/// read (4408, nothing queued is kept); the server stops (every subscription sends what was published up to then, then 1001).
/// </summary>
internal sealed partial class WebSocketSession
{
    private readonly WebSocket _socket;
    private readonly HttpContext _context;
    private readonly WebSocketEndpoint _door;
    private readonly HarkWebSocketOptions _options;
    private readonly SocketSender _sender;
    private readonly IPAddress _address;
    private readonly List<SocketSubscription> _subscriptions = [];
    private string? _token;
    private int _ended;
    private int _slow;
    private volatile Task _ending = Task.CompletedTask;

    public WebSocketSession(WebSocket socket, HttpContext context, WebSocketEndpoint door, IPAddress address, string? token)
    {
        _socket = socket;
        _context = context;
        _door = door;
        _options = door.Options.WebSocket;
        _address = address;
        _token = token;
        _sender = new SocketSender(socket, _options, door.Time, door.Metrics, TooSlow);
    }

    /// <summary>Runs the socket to its end; <paramref name="initial"/> is the query's subscription, or the problem that refused it.</summary>
    public async Task RunAsync(SubscribeRequest? initial, Problem? refused)
    {
        var writer = _sender.Completion;
        using var stopping = _door.Stopping.UnsafeRegister(static s => ((WebSocketSession)s!).Stop(), this);
        if (initial is not null)
        {
            refused ??= await SubscribeAsync(null, initial);
        }
        if (refused is not null)
        {
            // A plain new WebSocket(url) has nothing else going: the refusal of its one subscription ends the socket.
            End(CloseCodes.For(refused), Problem.TypePrefix + refused.Type, refused);
        }
        var receive = ReceiveAsync();
        if (await Task.WhenAny(receive, writer) == writer && !receive.IsCompleted)
        {
            // Our close went out (or the socket failed): the client has one send timeout to answer it.
            if (!await writer || !await CompletesAsync(receive))
            {
                Abort();
            }
        }
        await receive;
        End(WebSocketCloseStatus.NormalClosure, "", discard: true);
        await _ending;
        if (!await CompletesAsync(writer) || !await writer)
        {
            Abort();
        }
    }

    /// <summary>The server is stopping: every subscription sends what was published up to now, then the socket closes going away.</summary>
    private void Stop() => End(WebSocketCloseStatus.EndpointUnavailable, "server stopping", last: true);

    /// <summary>
    /// Ends the socket (the first call wins): its subscriptions stop, then the close frame goes out with
    /// <paramref name="status"/>, after <paramref name="problem"/>'s error frame and whatever is queued, or at once
    /// (nothing queued kept) when <paramref name="discard"/>. With <paramref name="last"/> each subscription first reads
    /// once more from where it stands and sends what it finds.
    /// </summary>
    private void End(WebSocketCloseStatus status, string reason, Problem? problem = null, bool discard = false, bool last = false)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return;
        }
        if (discard)
        {
            _sender.CloseNow(status, reason);
        }
        _ending = EndAsync(status, reason, problem, discard, last);
    }

    private async Task EndAsync(WebSocketCloseStatus status, string reason, Problem? problem, bool discard, bool last)
    {
        SocketSubscription[] all;
        lock (_subscriptions)
        {
            all = [.. _subscriptions];
            _subscriptions.Clear();
        }
        foreach (var subscription in all)
        {
            await subscription.Stop.CancelAsync();
        }
        // Each loop finishes queuing the batch it holds.
        await Task.WhenAll(all.Select(s => s.Loop));
        if (discard)
        {
            return;
        }
        if (last)
        {
            foreach (var subscription in all)
            {
                await SendLastAsync(subscription);
            }
        }
        if (problem is not null)
        {
            await SendErrorAsync(null, problem);
        }
        _sender.Close(status, reason);
    }

    /// <summary>
    /// A stopping server's last read for a subscription. A message published just before the stop may not have woken the
    /// subscription's loop before the stop ended it (its wake-up still queued, or its read cut short), so each subscription
    /// reads once more from its cursor, within the send timeout, and queues what it finds before the close. If the engine
    /// cannot answer, the client resumes from its cursor on its next socket, as after any close.
    /// </summary>
    private async Task SendLastAsync(SocketSubscription subscription)
    {
        using var within = new CancellationTokenSource(_options.SendTimeout, _door.Time);
        try
        {
            var held = await _door.Hub.HoldAsync(subscription.Cursor.Positions, subscription.Max, TimeSpan.Zero, within.Token);
            if (held is { Reason: WakeReason.Ready, Batch: { } batch })
            {
                await SendBatchAsync(subscription, batch);
            }
        }
        catch (Exception e) when (e is OperationCanceledException || Problem.ForEngineRefusal(e) is not null)
        {
        }
    }

    /// <summary>The sender's verdict: the client leaves what is sent to it unread.</summary>
    private void TooSlow()
    {
        if (Interlocked.Exchange(ref _slow, 1) != 0)
        {
            return;
        }
        Log.SlowConsumer(_door.Logger, _context.Connection.RemoteIpAddress?.ToString(), _options.SendTimeout.TotalSeconds);
        _door.Metrics.Dropped(WebSocketEndpoint.Name);
        _sender.CloseNow(CloseCodes.SlowConsumer, CloseCodes.SlowConsumerReason);
        End(CloseCodes.SlowConsumer, CloseCodes.SlowConsumerReason, discard: true);
    }

    private void Abort()
    {
        _sender.Abandon();
        _socket.Abort();
    }

    private async Task<bool> CompletesAsync(Task task)
    {
        try
        {
            await task.WaitAsync(_options.SendTimeout, _door.Time);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private ValueTask<bool> SendErrorAsync(string? id, Problem problem)
    {
        _door.Metrics.Rejected(problem.Status);
        return _sender.SendAsync(ServerFrames.Error(id, problem, _context.Request.Path, _context.TraceIdentifier));
    }
}
