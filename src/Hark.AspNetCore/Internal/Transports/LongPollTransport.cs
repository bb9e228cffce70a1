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
        var body = new ArrayBufferWriter<byte>(256 + batch.Messages.Sum(m => m.Json.Length));
        var cursor = new SubscriptionCursor(positions);
        cursor.SkipGaps(batch);
        body.Write("{\"messages\":["u8);
        for (var i = 0; i < batch.Messages.Count; i++)
        {
            if (i > 0)
            {
                body.Write(","u8);
            }
            var message = batch.Messages[i];
            MessageWriter.WriteJson(body, message, cursor.Advance(message));
        }
        body.Write("],\"cursor\":\""u8);
        MessageWriter.WriteAscii(body, Cursor.Format(batch.Positions));
        if (batch.Gaps.Count == 0)
        {
            body.Write("\",\"gap\":false}"u8);
        }
        else
        {
            body.Write("\",\"gap\":true,\"gaps\":"u8);
            MessageWriter.WriteGaps(body, batch.Gaps);
            body.Write("}"u8);
            metrics.Gaps(batch.Gaps.Count);
        }
        metrics.Delivered(batch.Messages.Count, Name);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        response.ContentLength = body.WrittenCount;
        await response.Body.WriteAsync(body.WrittenMemory, context.RequestAborted);
    }
}
