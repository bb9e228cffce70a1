using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Hark.AspNetCore.Internal.WebSockets;

internal sealed partial class WebSocketSession
{
    private const int FirstBufferBytes = 1024;

    /// <summary>
    /// Reads the client's commands, one JSON object per text frame, and answers each in order; returns when the client's
    /// close frame arrives or the socket fails (never throws). A frame that is not a command ends the socket, and the
    /// loop then only waits for the client's close.
    /// </summary>
    private async Task ReceiveAsync()
    {
        var max = _options.MaxFrameBytes;
        byte[]? buffer = null;
        var ignoring = false;
        try
        {
            while (true)
            {
                // A socket waits for its client's next frame with no buffer of its own: most never send one after the
                // query's subscription. The buffer is made once a frame is under way (and dropped after a big one).
                var waited = await _socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None);
                if (waited.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
                buffer ??= new byte[FirstBufferBytes];
                var count = 0;
                // An empty frame is whole already.
                var result = waited;
                while (!result.EndOfMessage && count <= max)
                {
                    if (count == buffer.Length)
                    {
                        // Room for one byte past the limit, so a frame over it is seen as such.
                        Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, max + 1L));
                    }
                    result = await _socket.ReceiveAsync(buffer.AsMemory(ignoring || count > max ? 0 : count), CancellationToken.None);
                    count = ignoring || count > max ? count : count + result.Count;
                }
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
                if (ignoring)
                {
                    continue;
                }
                var problem = count > max
                    ? new Problem(StatusCodes.Status413PayloadTooLarge, "frame-too-large", "Frame too large", $"A frame is at most {max} bytes.")
                    : result.MessageType == WebSocketMessageType.Binary
                        ? new Problem(StatusCodes.Status415UnsupportedMediaType, "invalid-frame", "Binary frame", "Frames are JSON text; binary frames are not accepted.")
                        : await HandleAsync(buffer.AsMemory(0, count));
                if (problem is not null)
                {
                    ignoring = true;
                    End(CloseCodes.For(problem), Problem.TypePrefix + problem.Type, problem);
                }
                if (buffer.Length > FirstBufferBytes * 16)
                {
                    // One big command does not keep a big buffer for the life of the socket.
                    buffer = null;
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException
            or Microsoft.AspNetCore.Connections.ConnectionAbortedException)
        {
            // The client is gone (or silent past the keep-alive timeout): nothing can be sent to it any more.
            Abort();
        }
        catch (Exception e)
        {
            Log.CommandFailed(_door.Logger, e);
            End(WebSocketCloseStatus.InternalServerError, "internal error");
        }
    }

    /// <summary>Answers one command; the problem when the frame is not one, which ends the socket.</summary>
    private async ValueTask<Problem?> HandleAsync(ReadOnlyMemory<byte> bytes)
    {
        if (ClientFrame.TryParse(bytes, out var parsed) is { } invalid)
        {
            return invalid;
        }
        using var frame = parsed!;
        Problem? refused;
        try
        {
            refused = frame.Type switch
            {
                "subscribe" => await SubscribeAsync(frame),
                "unsubscribe" => await UnsubscribeAsync(frame),
                "auth" => await AuthorizeAsync(frame),
                "publish" => await PublishAsync(frame),
                "ping" => await ReplyAsync(ServerFrames.Pong(frame.Id)),
                _ => frame.UnknownType(),
            };
        }
        catch (Exception e) when (Problem.ForEngineRefusal(e) is { } refusal)
        {
            refused = refusal;
        }
        if (refused is not null)
        {
            await SendErrorAsync(frame.Id, refused);
        }
        return null;
    }

    private async ValueTask<Problem?> ReplyAsync(byte[] frame)
    {
        await _sender.SendAsync(frame);
        return null;
    }

    /// <summary><c>{"type":"auth","token":…}</c>: the subscriber token for this socket's later subscriptions.</summary>
    private async ValueTask<Problem?> AuthorizeAsync(ClientFrame frame)
    {
        var token = frame.String("token");
        if ((await _door.Gate.ValidateAsync(token)).Problem is { } problem)
        {
            return problem;
        }
        _token = token;
        return await ReplyAsync(ServerFrames.Authorized(frame.Id));
    }

    /// <summary>
    /// <c>{"type":"publish","channel","event","data","version"}</c>: one message, by the rules of a <c>POST /pub</c> batch item
    /// and with the publisher rights of the upgrade request (its bearer key, or loopback).
    /// </summary>
    private async ValueTask<Problem?> PublishAsync(ClientFrame frame)
    {
        BatchItem? item;
        try
        {
            item = frame.Root.Deserialize(HarkJsonContext.Default.BatchItem);
        }
        catch (JsonException e)
        {
            return Problem.BadRequest("invalid-json", "Not a publish command", $"Expected {{\"type\":\"publish\",\"channel\",\"event\",\"data\"}}: {e.Message}");
        }
        var (result, problem) = await _door.Publish.PublishItemAsync(_context, item!, _context.RequestAborted);
        return problem ?? await ReplyAsync(ServerFrames.Published(frame.Id, result!));
    }
}
