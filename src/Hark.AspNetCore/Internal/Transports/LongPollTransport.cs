using Microsoft.AspNetCore.Http;

namespace Hark.AspNetCore.Internal.Transports;

/// <summary>
/// Long-poll (and plain poll, with a zero timeout). A held request ends in exactly one of:
/// messages or a gap are after the cursor (200 with them); the deadline passes (200, empty batch,
/// same cursor); the client goes away (nothing written); a channel is deleted (410); the server is
/// stopping (200, empty batch, so the client polls again elsewhere).
/// </summary>
/// <remarks>
/// Two front ends share <see cref="AnswerAsync"/>: the endpoint below, and <see cref="Direct.DirectLongPoll"/>,
/// which answers plain long-polls on the connection before Kestrel's HTTP layer.
/// </remarks>
internal sealed class LongPollTransport(IHarkEngine engine, HarkMetrics metrics, TimeProvider time)
{
    public const string Name = "longpoll";

    public async Task HandleAsync(HttpContext context, SubscribeRequest request, IReadOnlyList<ChannelPosition> positions)
    {
        var answer = await AnswerAsync(request, positions, context.RequestAborted);
        if (answer.Problem is { } problem)
        {
            await problem.WriteAsync(context, metrics);
        }
        else if (answer.Batch is { } batch)
        {
            var body = new LongPollBody(positions, batch);
            var response = context.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = LongPollBody.ContentType;
            response.Headers.CacheControl = "no-store";
            // The exact Content-Length lets the answer go straight into the response pipe in one piece.
            response.ContentLength = body.Length;
            body.WriteTo(response.BodyWriter);
            Delivered(batch);
            await response.BodyWriter.FlushAsync(context.RequestAborted);
        }
    }

    /// <summary>Waits until the poll has its answer: a batch (possibly empty), a problem, or neither when the client went away.</summary>
    public async ValueTask<LongPollAnswer> AnswerAsync(SubscribeRequest request, IReadOnlyList<ChannelPosition> positions, CancellationToken aborted)
    {
        var batch = await engine.ReadAsync(positions, request.Max, aborted);
        if (!batch.IsEmpty || request.Timeout <= TimeSpan.Zero)
        {
            metrics.PollAnswered(TimeSpan.Zero, "immediate");
            return new LongPollAnswer(batch, null);
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
                switch (wake.Reason)
                {
                    case WakeReason.Ready:
                        batch = await engine.ReadAsync(positions, request.Max, aborted);
                        if (batch.IsEmpty)
                        {
                            continue;
                        }
                        outcome = "messages";
                        return new LongPollAnswer(batch, null);
                    case WakeReason.Closed:
                        outcome = "closed";
                        return new LongPollAnswer(null, Problem.ChannelClosed(wake.Channel!));
                    case WakeReason.Refused:
                        outcome = "refused";
                        return new LongPollAnswer(null, Problem.Limit($"Channel '{wake.Channel}' has the most subscribers allowed, or the server the most channels."));
                    case WakeReason.Cancelled:
                        outcome = "gone";
                        return new LongPollAnswer(null, null);
                    default:
                        outcome = wake.Reason == WakeReason.Stopping ? "stopping" : "timeout";
                        return new LongPollAnswer(batch, null);
                }
            }
        }
        finally
        {
            metrics.HoldEnded(Name);
            metrics.PollAnswered(time.GetElapsedTime(started), outcome);
        }
    }

    /// <summary>Counts what an answer delivered, once it is written.</summary>
    public void Delivered(ReadBatch batch)
    {
        metrics.Delivered(batch.Messages.Count, Name);
        if (batch.Gaps.Count > 0)
        {
            metrics.Gaps(batch.Gaps.Count);
        }
    }
}

/// <summary>How a poll ends: a batch to write, a problem to answer, or neither when the client went away.</summary>
internal readonly record struct LongPollAnswer(ReadBatch? Batch, Problem? Problem);
