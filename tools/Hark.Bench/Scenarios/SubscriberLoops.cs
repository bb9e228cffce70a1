using System.Net.WebSockets;
using Hark.Bench.Net;
using Hark.Bench.Targets;

namespace Hark.Bench.Scenarios;

/// <summary>The ways a bench subscriber listens: a long-poll loop, one SSE stream, or one WebSocket.</summary>
internal static class SubscriberLoops
{
    /// <summary>Polls until <paramref name="onPayload"/> says it has all it wants.</summary>
    public static async Task LongPollAsync(RawHttpConnection connection, LongPollState state, Func<BenchPayload, bool> onPayload, CancellationToken cancellationToken)
    {
        while (true)
        {
            await connection.SendAsync(state.NextRequest(), cancellationToken);
            var response = await connection.ReadResponseAsync(cancellationToken);
            foreach (var payload in state.Accept(response))
            {
                if (onPayload(payload))
                {
                    return;
                }
            }
        }
    }

    /// <summary>Reads one SSE stream until <paramref name="onPayload"/> says it has all it wants.</summary>
    public static async Task SseAsync(RawHttpConnection connection, string request, Func<BenchPayload, bool> onPayload, CancellationToken cancellationToken)
    {
        await connection.SendAsync(request, cancellationToken);
        var head = await connection.ReadHeadAsync(cancellationToken);
        if (head.Status != 200)
        {
            throw new InvalidOperationException($"SSE answered {head.Status}");
        }
        var pending = new List<byte>(256);
        var data = new List<byte>(256);
        while (true)
        {
            var piece = await connection.ReadStreamAsync(head.Chunked, cancellationToken);
            if (piece.Length == 0)
            {
                throw new IOException("The SSE stream ended.");
            }
            foreach (var b in piece)
            {
                if (b != (byte)'\n')
                {
                    pending.Add(b);
                    continue;
                }
                var line = pending.ToArray();
                pending.Clear();
                if (line.Length == 0)
                {
                    if (data.Count > 0)
                    {
                        var payload = BenchPayload.Parse(data.ToArray());
                        data.Clear();
                        if (payload.Index >= 0 && onPayload(payload))
                        {
                            return;
                        }
                    }
                    continue;
                }
                if (line.AsSpan().StartsWith("data:"u8))
                {
                    var value = line.AsSpan(5);
                    data.AddRange(value.Length > 0 && value[0] == ' ' ? value[1..] : value);
                }
            }
        }
    }

    /// <summary>Reads whole messages off a WebSocket until <paramref name="onPayload"/> says it has all it wants.</summary>
    public static async Task WebSocketAsync(WebSocket socket, WebSocketSubscriber state, Func<BenchPayload, bool> onPayload, CancellationToken cancellationToken)
    {
        var buffer = new byte[1024];
        while (true)
        {
            var length = 0;
            ValueWebSocketReceiveResult received;
            do
            {
                if (length == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }
                received = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    throw new IOException($"The server closed the socket ({socket.CloseStatus} {socket.CloseStatusDescription}).");
                }
                length += received.Count;
            }
            while (!received.EndOfMessage);
            if (state.Accept(buffer.AsSpan(0, length)) is { Index: >= 0 } payload && onPayload(payload))
            {
                return;
            }
        }
    }
}
