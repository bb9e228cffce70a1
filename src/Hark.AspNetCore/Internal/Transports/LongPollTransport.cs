using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace Hark.AspNetCore.Internal.Transports;

/// <summary>
/// Long-poll (and plain poll, with a zero timeout). A held request ends in exactly one of:
/// messages or a gap are after the cursor (200 with them); the deadline passes (200, empty batch,
/// same cursor); the client goes away (nothing written); a channel is deleted (410); the channel has the most
/// subscribers allowed (503); the server is stopping (200, empty batch, so the client polls again elsewhere).
/// </summary>
/// <remarks>
/// Both front doors hold a poll through <see cref="SubscribePipeline.LongPollAsync"/>; the endpoint writes its answer
/// with <see cref="WriteAsync"/>, and <see cref="Direct.DirectLongPoll"/> writes it on the connection, before Kestrel's
/// HTTP layer.
/// </remarks>
internal sealed class LongPollTransport(HarkMetrics metrics)
{
    public const string Name = "longpoll";

    /// <summary>The key of the long-poll body in a <see cref="Hark.Hub.SharedRead"/>: built once for every poll woken at one cursor.</summary>
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
                var bytes = shared.Answer(BodyKey, batch, answer.Positions!, static (b, positions) => new LongPollBody(positions, b).ToArray());
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

    /// <summary>Counts what an answer delivered, once it is written.</summary>
    public void Delivered(ReadBatch batch)
    {
        metrics.Delivered(batch.Messages, Name);
        if (batch.Gaps.Count > 0)
        {
            metrics.Gaps(batch.Gaps, "hark", Name);
        }
    }
}
