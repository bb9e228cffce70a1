using System.Net;
using System.Net.WebSockets;
using System.Text;
using Hark.AspNetCore.Internal.WebSockets;
using Hark.Hub;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hark.AspNetCore.Internal.Nchan;

/// <summary>
/// An Nchan WebSocket subscriber: one channel, from the URL. Each message is one text frame: the payload as it is, or,
/// with the <c>ws+meta.nchan</c> subprotocol NchanSubscriber.js asks for, preceded by <c>id: {id}</c> and
/// <c>content-type: {type}</c> lines and a blank line. What is refused before the upgrade (origin, limits, a bad id) is an
/// HTTP problem; the subscription then runs in <see cref="SubscribePipeline.StreamAsync"/> around a loop on
/// <see cref="FanoutHub.HoldAsync"/>, its frames going out through the socket's one <see cref="SocketSender"/>. It ends
/// when the client closes (answered), does not read (4408), the channel is deleted (1000, "410 Gone", as Nchan's close
/// carries the HTTP status), or the server stops (1001). Frames from the client are read and ignored.
/// </summary>
internal sealed class NchanSocket(
    FanoutHub hub, SubscribePipeline pipeline, NchanIds ids, HarkMetrics metrics, IOptions<HarkOptions> options,
    IHostApplicationLifetime lifetime, TimeProvider time, ILogger<NchanSocket> logger)
{
    public const string MetaProtocol = "ws+meta.nchan";

    public async Task HandleAsync(HttpContext context, SubscribeRequest request, IPAddress address)
    {
        var settings = options.Value;
        var origin = context.Request.Headers.Origin.ToString();
        if (!OriginPolicy.MayConnect(context.Request, origin, settings.Cors))
        {
            await new Problem(StatusCodes.Status403Forbidden, "origin-not-allowed", "Origin not allowed",
                $"Pages of '{Problem.Shorten(origin)}' may not open a socket here: only the server's own origin and those in Hark:Cors:Origins may.").WriteAsync(context, metrics);
            return;
        }
        if (await pipeline.StreamAsync(request, address, positions => RunAsync(context, request, positions), context.RequestAborted) is { } refused)
        {
            await refused.WriteAsync(context, metrics);
        }
    }

    private async Task RunAsync(HttpContext context, SubscribeRequest request, IReadOnlyList<ChannelPosition> positions)
    {
        var settings = options.Value.WebSocket;
        var meta = context.WebSockets.WebSocketRequestedProtocols.Contains(MetaProtocol, StringComparer.OrdinalIgnoreCase);
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            SubProtocol = meta ? MetaProtocol : null,
            KeepAliveInterval = settings.KeepAliveInterval,
            KeepAliveTimeout = settings.KeepAliveTimeout,
            DangerousEnableCompression = settings.Compression,
            DisableServerContextTakeover = true,
        });
        metrics.HoldStarted(WebSocketEndpoint.Name);
        using var end = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        SocketSender? sender = null;
        sender = new SocketSender(socket, settings, time, metrics, () =>
        {
            metrics.Dropped(WebSocketEndpoint.Name);
            sender!.CloseNow(CloseCodes.SlowConsumer, CloseCodes.SlowConsumerReason);
            end.Cancel();
        });
        var writer = sender.Completion;
        var receive = ReceiveAsync(socket, end);
        using var stopping = lifetime.ApplicationStopping.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), end);
        try
        {
            var (status, reason) = await SendAsync(sender, request, positions[0], meta, end.Token);
            sender.Close(status, reason);
        }
        finally
        {
            metrics.HoldEnded(WebSocketEndpoint.Name);
        }
        // The close goes out after what is queued; the client has one send timeout to answer it.
        if (!await writer || await Task.WhenAny(receive, Task.Delay(settings.SendTimeout, time)) != receive)
        {
            socket.Abort();
        }
        await end.CancelAsync();
        await receive;
    }

    /// <summary>The subscription's loop: holds, sends what comes, and says how the socket is to close.</summary>
    private async Task<(WebSocketCloseStatus, string)> SendAsync(SocketSender sender, SubscribeRequest request, ChannelPosition start, bool meta, CancellationToken ended)
    {
        var heartbeat = options.Value.Streams.HeartbeatInterval;
        ChannelPosition[] position = [start];
        while (true)
        {
            HoldResult held;
            try
            {
                held = await hub.HoldAsync(position, request.Max, heartbeat, ended);
            }
            catch (Exception e) when (Problem.ForEngineRefusal(e) is { } refusal)
            {
                return (CloseCodes.For(refusal), Problem.TypePrefix + refusal.Type);
            }
            switch (held.Reason)
            {
                case WakeReason.Ready:
                    var batch = held.Batch!;
                    NchanGaps.Report(logger, metrics, start.Channel, WebSocketEndpoint.Name, batch.Gaps);
                    foreach (var message in batch.Messages)
                    {
                        if (!await sender.SendAsync(Frame(message, meta)))
                        {
                            return (WebSocketCloseStatus.NormalClosure, "");
                        }
                    }
                    metrics.Delivered(batch.Messages, WebSocketEndpoint.Name);
                    position = [batch.Positions[0]];
                    continue;
                case WakeReason.Timeout:
                    continue;
                case WakeReason.Closed:
                    return (WebSocketCloseStatus.NormalClosure, "410 Gone");
                case WakeReason.Refused:
                    return (CloseCodes.For(Problem.Limit("")), Problem.TypePrefix + "limit-reached");
                default:
                    return lifetime.ApplicationStopping.IsCancellationRequested
                        ? (WebSocketCloseStatus.EndpointUnavailable, "server stopping")
                        : (WebSocketCloseStatus.NormalClosure, "");
            }
        }
    }

    private ReadOnlyMemory<byte> Frame(HarkMessage message, bool meta)
    {
        var payload = message.Payload.Utf8;
        if (!meta)
        {
            return payload;
        }
        var head = $"id: {ids.Of(message.Position)?.ToString() ?? ""}\ncontent-type: {NchanLongPoll.ContentTypeOf(message.Payload)}\n\n";
        var frame = new byte[Encoding.ASCII.GetByteCount(head) + payload.Length];
        var at = Encoding.ASCII.GetBytes(head, frame);
        payload.Span.CopyTo(frame.AsSpan(at));
        return frame;
    }

    /// <summary>Reads (and drops) what the client sends until it closes or goes; then the subscription ends.</summary>
    private static async Task ReceiveAsync(WebSocket socket, CancellationTokenSource end)
    {
        var buffer = new byte[1024];
        try
        {
            while (!end.IsCancellationRequested)
            {
                var read = await socket.ReceiveAsync(buffer, end.Token);
                if (read.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Gone, or ended here.
        }
        await end.CancelAsync();
    }
}
