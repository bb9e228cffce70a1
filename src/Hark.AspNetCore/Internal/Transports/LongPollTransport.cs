using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace Hark.AspNetCore.Internal.Transports;

/// <summary>
/// Long-poll (and plain poll, with a zero timeout). A held request ends in exactly one of:
/// messages or a gap are after the cursor (200 with them); the deadline passes (200, empty batch,
/// same cursor); the client goes away (nothing written); a channel is deleted (410); the server is
/// stopping (200, empty batch, so the client polls again elsewhere).
/// </summary>
internal sealed class LongPollTransport(IHarkEngine engine, HarkMetrics metrics, TimeProvider time)
{
    public const string Name = "longpoll";

    public async Task HandleAsync(HttpContext context, SubscribeRequest request, IReadOnlyList<ChannelPosition> positions)
    {
        var aborted = context.RequestAborted;
        var batch = await engine.ReadAsync(positions, request.Max, aborted);
        if (!batch.IsEmpty || request.Timeout <= TimeSpan.Zero)
        {
            metrics.PollAnswered(TimeSpan.Zero, "immediate");
            await WriteBatchAsync(context, positions, batch);
            return;
        }
        var started = time.GetTimestamp();
        var outcome = "timeout";
        metrics.HoldStarted(Name);
        try
        {
            while (true)
            {
                var remaining = request.Timeout - time.GetElapsedTime(started);
                var wake = remaining > TimeSpan.Zero ? await engine.WaitAsync(positions, remaining, aborted) : new WakeResult(WakeReason.Timeout);
                if (wake.Reason == WakeReason.Ready)
                {
                    batch = await engine.ReadAsync(positions, request.Max, aborted);
                    if (batch.IsEmpty)
                    {
                        continue;
                    }
                    outcome = "messages";
                }
                else if (wake.Reason == WakeReason.Closed)
                {
                    outcome = "closed";
                    await Problem.ChannelClosed(wake.Channel!).WriteAsync(context, metrics);
                    return;
                }
                else if (wake.Reason == WakeReason.Refused)
                {
                    outcome = "refused";
                    await Problem.Limit($"Channel '{wake.Channel}' has the most subscribers allowed, or the server the most channels.").WriteAsync(context, metrics);
                    return;
                }
                else if (wake.Reason == WakeReason.Cancelled)
                {
                    outcome = "gone";
                    return;
                }
                else
                {
                    outcome = wake.Reason == WakeReason.Stopping ? "stopping" : "timeout";
                }
                break;
            }
        }
        finally
        {
            metrics.HoldEnded(Name);
            metrics.PollAnswered(time.GetElapsedTime(started), outcome);
        }
        await WriteBatchAsync(context, positions, batch);
    }

    private async Task WriteBatchAsync(HttpContext context, IReadOnlyList<ChannelPosition> positions, ReadBatch batch)
    {
        var messages = batch.Messages;
        // Each message's cursor is the subscription's cursor after it: the message's own for one channel,
        // a token spliced in for several. Knowing them up front gives the exact Content-Length, so the
        // answer goes straight into the response pipe in one piece, with no buffer to copy from.
        string[]? cursors = null;
        var length = 0;
        if (positions.Count > 1 || batch.Gaps.Count > 0)
        {
            var cursor = new SubscriptionCursor(positions);
            cursor.SkipGaps(batch);
            cursors = new string[messages.Count];
            for (var i = 0; i < messages.Count; i++)
            {
                cursors[i] = cursor.Advance(messages[i]);
            }
        }
        for (var i = 0; i < messages.Count; i++)
        {
            length += messages[i].Json.Length + (cursors is null ? 0 : cursors[i].Length - messages[i].Cursor.Length);
        }
        var final = messages.Count > 0 && positions.Count == 1 ? messages[^1].Cursor : Cursor.Format(batch.Positions);
        byte[]? gaps = null;
        if (batch.Gaps.Count > 0)
        {
            var buffer = new ArrayBufferWriter<byte>(128);
            MessageWriter.WriteGaps(buffer, batch.Gaps);
            gaps = buffer.WrittenSpan.ToArray();
            metrics.Gaps(batch.Gaps.Count);
        }
        length += Open.Length + Math.Max(0, messages.Count - 1) + Middle.Length + final.Length
            + (gaps is null ? NoGap.Length : WithGaps.Length + gaps.Length + 1);

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        response.ContentLength = length;
        var output = response.BodyWriter;
        output.Write(Open);
        for (var i = 0; i < messages.Count; i++)
        {
            if (i > 0)
            {
                output.Write(","u8);
            }
            MessageWriter.WriteJson(output, messages[i], cursors?[i] ?? messages[i].Cursor);
        }
        output.Write(Middle);
        MessageWriter.WriteAscii(output, final);
        if (gaps is null)
        {
            output.Write(NoGap);
        }
        else
        {
            output.Write(WithGaps);
            output.Write(gaps);
            output.Write("}"u8);
        }
        metrics.Delivered(messages.Count, Name);
        await output.FlushAsync(context.RequestAborted);
    }

    private static ReadOnlySpan<byte> Open => "{\"messages\":["u8;

    private static ReadOnlySpan<byte> Middle => "],\"cursor\":\""u8;

    private static ReadOnlySpan<byte> NoGap => "\",\"gap\":false}"u8;

    private static ReadOnlySpan<byte> WithGaps => "\",\"gap\":true,\"gaps\":"u8;
}
