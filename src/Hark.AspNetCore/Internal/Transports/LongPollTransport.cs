using System.Buffers;
using Hark.Hub;
using Microsoft.AspNetCore.Http;

namespace Hark.AspNetCore.Internal.Transports;

/// <summary>
/// Long-poll (and plain poll, with a zero timeout). A held request ends in exactly one of:
/// messages or a gap are after the cursor (200 with them); the deadline passes (200, empty batch,
/// same cursor); the client goes away (nothing written); a channel is deleted (410); the channel has the most
/// subscribers allowed (503); the server is stopping (200, empty batch, so the client polls again elsewhere).
/// </summary>
/// <remarks>
/// Both front doors come to <see cref="AnswerAsync"/> through <see cref="SubscribePipeline"/>: the endpoint, which
/// writes the answer with <see cref="WriteAsync"/>, and <see cref="Direct.DirectLongPoll"/>, which writes it on the
/// connection before Kestrel's HTTP layer. Both hold through the hub.
/// </remarks>
internal sealed class LongPollTransport(FanoutHub hub, HarkMetrics metrics, TimeProvider time)
{
    public const string Name = "longpoll";

    /// <summary>The key of the long-poll body in a <see cref="SharedRead"/>: built once for every poll woken at one cursor.</summary>
    private static readonly object BodyKey = new();

    /// <summary>Writes the answer the pipeline came to as the endpoint's response.</summary>
    public async Task WriteAsync(HttpContext context, LongPollAnswer answer)
    {
        if (answer.Problem is { } problem)
        {
            await problem.WriteAsync(context, metrics);
        }
        else if (answer.Batch is { } batch)
        {
            var response = context.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = LongPollBody.ContentType;
            response.Headers.CacheControl = "no-store";
            if (answer.Shared is { } shared)
            {
                var positions = answer.Positions!;
                var bytes = shared.Answer(BodyKey, batch, b => new LongPollBody(positions, b).ToArray());
                response.ContentLength = bytes.Length;
                response.BodyWriter.Write(bytes);
            }
            else
            {
                var body = new LongPollBody(answer.Positions!, batch);
                // The exact Content-Length lets the answer go straight into the response pipe in one piece.
                response.ContentLength = body.Length;
                body.WriteTo(response.BodyWriter);
            }
            Delivered(batch);
            await response.BodyWriter.FlushAsync(context.RequestAborted);
        }
    }

    /// <summary>Holds the poll until it has its answer: a batch (possibly empty), a problem, or neither when the client went away.</summary>
    public async ValueTask<LongPollAnswer> AnswerAsync(SubscribeRequest request, IReadOnlyList<ChannelPosition> positions, CancellationToken aborted)
    {
        if (request.Timeout <= TimeSpan.Zero)
        {
            var now = await hub.HoldAsync(positions, request.Max, TimeSpan.Zero, aborted);
            metrics.PollAnswered(TimeSpan.Zero, "immediate");
            return new LongPollAnswer(now.Batch, null, Positions: positions);
        }
        var started = time.GetTimestamp();
        var outcome = "gone";
        metrics.HoldStarted(Name);
        try
        {
            var held = await hub.HoldAsync(positions, request.Max, request.Timeout, aborted);
            switch (held.Reason)
            {
                case WakeReason.Ready:
                    outcome = held.Waited ? "messages" : "immediate";
                    return new LongPollAnswer(held.Batch, null, held.Shared, positions);
                case WakeReason.Closed:
                    outcome = "closed";
                    return new LongPollAnswer(null, Problem.ChannelClosed(held.Channel!));
                case WakeReason.Refused:
                    outcome = "refused";
                    return new LongPollAnswer(null, Problem.Limit($"Channel '{held.Channel}' has the most subscribers allowed."));
                case WakeReason.Cancelled:
                    return new LongPollAnswer(null, null);
                default:
                    outcome = held.Reason == WakeReason.Stopping ? "stopping" : "timeout";
                    return new LongPollAnswer(held.Batch, null, Positions: positions);
            }
        }
        finally
        {
            metrics.HoldEnded(Name);
            metrics.PollAnswered(outcome == "immediate" ? TimeSpan.Zero : time.GetElapsedTime(started), outcome);
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
