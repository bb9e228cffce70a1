using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;

namespace Hark.Client;

/// <summary>
/// One subscription on a WebSocket (<c>GET /ws</c>, docs/protocol.md): message objects, <c>subscribed</c>, <c>gap</c>,
/// <c>closed</c> and <c>error</c> frames, one JSON object per text message. A refusal of the subscription (an <c>error</c>
/// frame with its id) and Hark's close codes (4000 + an HTTP status, 1011) end it as the HTTP statuses would; any other
/// end reconnects from the cursor.
/// </summary>
internal sealed class SocketEventStream(ClientWebSocket socket, RetryPolicy retry, SubscriptionGrant grant) : IEventStream
{
    public const string SubscriptionId = "hark";

    public static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(15);

    public static readonly TimeSpan KeepAliveTimeout = TimeSpan.FromSeconds(20);

    // The largest frame read; Hark's own are a message object (Limits:MaxMessageBytes, 256 KiB by default) and a little more.
    private const int MaxFrameBytes = 16 * 1024 * 1024;

    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);

    private readonly ArrayBufferWriter<byte> _frame = new(4096);

    // The error frame the server sends before it closes the socket for a problem; its close code follows.
    private (string? Type, string Message)? _problem;

    public Attempt? Ending { get; private set; }

    public async ValueTask<HarkEvent?> ReadAsync(string cursor, CancellationToken cancellationToken)
    {
        while (Ending is null && await ReceiveAsync(cancellationToken).ConfigureAwait(false))
        {
            using var doc = JsonDocument.Parse(_frame.WrittenMemory);
            var root = doc.RootElement;
            if (root.TryGetProperty("seq", out _))
            {
                return WireEvents.Message(root);
            }
            var id = root.TryGetProperty("id", out var idElement) && idElement.ValueKind == JsonValueKind.String ? idElement.GetString() : null;
            switch (root.TryGetProperty("type", out var type) ? type.GetString() : null)
            {
                case "subscribed":
                    // Hark answered: this attempt worked, so later failures start their waits over.
                    retry.Succeeded();
                    if (root.TryGetProperty("grant", out var issued) && issued.ValueKind == JsonValueKind.String)
                    {
                        grant.Value = issued.GetString();
                    }
                    return new CursorMark(root.GetProperty("cursor").GetString()!);
                case "grant":
                    // The server asked its hook again when the old grant expired: a reconnect presents this one.
                    if (root.TryGetProperty("grant", out var renewed) && renewed.ValueKind == JsonValueKind.String)
                    {
                        grant.Value = renewed.GetString();
                    }
                    break;
                case "gap":
                    return new HarkGap(WireEvents.Gaps(root.GetProperty("gaps")), root.GetProperty("cursor").GetString()!);
                case "closed":
                    return new HarkChannelClosed(root.GetProperty("channel").GetString()!, cursor);
                case "error" when id == SubscriptionId:
                    // The subscription was refused, or ended by the server (503 limit-reached): as its HTTP answer would.
                    var (status, problemType, message) = Problem(root);
                    var retryAfter = root.TryGetProperty("retryAfter", out var seconds) && seconds.ValueKind == JsonValueKind.Number
                        ? TimeSpan.FromSeconds(seconds.GetDouble()) : (TimeSpan?)null;
                    Ending = grant.Dropped(problemType) ?? Attempt.Refused(status, problemType, message, retryAfter, retry);
                    break;
                case "error":
                    var (_, closingType, closingMessage) = Problem(root);
                    _problem = (closingType, closingMessage);
                    break;
            }
        }
        return null;
    }

    /// <summary>Reads one whole text message into <see cref="_frame"/>; false once the socket has closed or failed.</summary>
    private async ValueTask<bool> ReceiveAsync(CancellationToken cancellationToken)
    {
        _frame.ResetWrittenCount();
        try
        {
            ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(_frame.GetMemory(4096), cancellationToken).ConfigureAwait(false);
                _frame.Advance(result.Count);
                if (_frame.WrittenCount > MaxFrameBytes)
                {
                    Ending = new Attempt([], Failure: new HarkException(0, null, $"The server sent a frame over {MaxFrameBytes} bytes."));
                    return false;
                }
            }
            while (!result.EndOfMessage);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                Ending = Closed(socket.CloseStatus, socket.CloseStatusDescription);
                return false;
            }
            return result.MessageType == WebSocketMessageType.Text;
        }
        catch (Exception e) when (WireEvents.IsNetworkError(e, cancellationToken))
        {
            return false;
        }
    }

    /// <summary>What Hark's close codes call for; null (reconnect) for the others, such as 1001 when the server stops.</summary>
    private Attempt? Closed(WebSocketCloseStatus? status, string? description)
    {
        var code = (int?)status ?? 0;
        if (code is >= 4000 and <= 4999)
        {
            // 4408 (too slow to read) resumes at once; 4401/4403 throw HarkAuthorizationException; 4400/4413/4415 HarkException.
            var problemType = _problem?.Type ?? (string.IsNullOrEmpty(description) ? null : description);
            return Attempt.Refused(code - 4000, problemType, _problem?.Message ?? $"{code - 4000} {description}: the server closed the socket", null, retry);
        }
        return code == (int)WebSocketCloseStatus.InternalServerError
            ? Attempt.Refused(500, null, "The server closed the socket after an internal error", null, retry)
            : null;
    }

    private static (int Status, string? Type, string Message) Problem(JsonElement frame)
    {
        var problem = frame.TryGetProperty("problem", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        var status = problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt32() : 0;
        var body = problem.ValueKind == JsonValueKind.Object ? problem.Deserialize(HarkClientJsonContext.Default.ProblemBody) : null;
        return (status, body?.Type, HarkClient.RefusalMessage(status, body, "Refused"));
    }

    public async ValueTask DisposeAsync()
    {
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            // Say goodbye, so the server sees a close rather than a broken connection; never wait long for it.
            using var timeout = new CancellationTokenSource(CloseTimeout);
            try
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
            {
            }
        }
        socket.Dispose();
    }
}
