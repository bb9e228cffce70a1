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
/// Two front doors share <see cref="AnswerAsync"/>: the endpoint below, and <see cref="Direct.DirectLongPoll"/>,
/// which answers plain long-polls on the connection before Kestrel's HTTP layer. Both hold through the hub.
/// </remarks>
internal sealed class LongPollTransport(FanoutHub hub, HarkMetrics metrics, TimeProvider time)
{
    public const string Name = "longpoll";

    /// <summary>The key of the long-poll body in a <see cref="SharedRead"/>: built once for every poll woken at one cursor.</summary>
    private static readonly object BodyKey = new();

    public async Task HandleAsync(HttpContext context, SubscribeRequest request, IReadOnlyList<ChannelPosition> positions)
    {
        var answer = await AnswerAsync(request, positions, context.RequestAborted);
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
                var bytes = shared.Answer(BodyKey, batch, b => new LongPollBody(positions, b).ToArray());
                response.ContentLength = bytes.Length;
                response.BodyWriter.Write(bytes);
            }
            else
            {
                var body = new LongPollBody(positions, batch);
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
            return new LongPollAnswer(now.Batch, null);
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
                    return new LongPollAnswer(held.Batch, null, held.Shared);
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
                    return new LongPollAnswer(held.Batch, null);
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
