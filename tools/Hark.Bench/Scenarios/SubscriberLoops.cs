using Hark.Bench.Net;
using Hark.Bench.Targets;

namespace Hark.Bench.Scenarios;

/// <summary>The two ways a bench subscriber listens: a long-poll loop, or one SSE stream.</summary>
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
}
