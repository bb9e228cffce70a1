using System.Buffers;
using System.Text;
using Hark.AspNetCore.Internal.Transports;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Hark.AspNetCore.Internal.Nchan;

/// <summary>
/// Writes the answer of an Nchan long-poll held by <see cref="SubscribePipeline.LongPollAsync"/>: a message is
/// <c>200</c> with the payload as its body and its content type, its id in <c>Last-Modified</c> and <c>Etag</c>; several,
/// to a client that accepts <c>multipart/mixed</c>, are its parts (the last one's id in the headers); nothing by the hold
/// timeout (or a gap with nothing after it) is <c>408</c>, with the id the subscriber stands at, so NchanSubscriber.js
/// polls again from there; a deleted channel is <c>410</c>.
/// </summary>
internal sealed class NchanLongPoll(NchanIds ids, HarkMetrics metrics, ILogger<NchanLongPoll> logger)
{
    public async Task WriteAsync(HttpContext context, string channel, LongPollAnswer answer, bool multipart)
    {
        if (answer.Problem is { } problem)
        {
            await problem.WriteAsync(context, metrics);
            return;
        }
        if (answer.Batch is not { } batch)
        {
            return;
        }
        var response = context.Response;
        response.Headers.CacheControl = "no-store";
        response.Headers.Vary = "If-None-Match, If-Modified-Since";
        // The body is the publisher's payload, not Hark's JSON: a browser opening the URL must take it as the type it says.
        response.Headers.XContentTypeOptions = "nosniff";
        if (batch.Gaps.Count > 0)
        {
            response.Headers[NchanGaps.Header] = NchanGaps.Describe(batch.Gaps);
            NchanGaps.Report(logger, metrics, channel, LongPollTransport.Name, batch.Gaps);
        }
        var messages = batch.Messages;
        if (messages.Count == 0)
        {
            SetId(response, ids.Of(batch.Positions[0]));
            response.StatusCode = StatusCodes.Status408RequestTimeout;
            response.ContentLength = 0;
            return;
        }
        // A read shared with other subscribers may hold more than this one asked for: the rest comes on its next poll.
        var count = multipart ? messages.Count : 1;
        SetId(response, ids.Of(messages[count - 1].Position));
        response.StatusCode = StatusCodes.Status200OK;
        if (count == 1)
        {
            // One message is sent as it is, multipart/mixed or not (as Nchan does).
            var payload = messages[0].Payload;
            response.ContentType = ContentTypeOf(payload);
            response.ContentLength = payload.Utf8.Length;
            response.BodyWriter.Write(payload.Utf8.Span);
        }
        else
        {
            var boundary = Guid.NewGuid().ToString("N");
            response.ContentType = "multipart/mixed; boundary=" + boundary;
            var body = new ArrayBufferWriter<byte>(256);
            var open = Encoding.ASCII.GetBytes("--" + boundary);
            for (var i = 0; i < count; i++)
            {
                body.Write(open);
                body.Write("\r\nContent-Type: "u8);
                body.Write(Encoding.ASCII.GetBytes(ContentTypeOf(messages[i].Payload)));
                body.Write("\r\n\r\n"u8);
                body.Write(messages[i].Payload.Utf8.Span);
                body.Write("\r\n"u8);
            }
            body.Write(open);
            body.Write("--\r\n"u8);
            response.ContentLength = body.WrittenCount;
            response.BodyWriter.Write(body.WrittenSpan);
        }
        metrics.Delivered(count == messages.Count ? messages : [.. messages.Take(count)], LongPollTransport.Name);
        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    /// <summary>The content type a message is sent with: JSON as JSON, text as UTF-8 plain text (Hark keeps a payload's kind, not its publisher's exact type).</summary>
    public static string ContentTypeOf(MessagePayload payload) => payload.IsText ? "text/plain; charset=utf-8" : "application/json";

    private static void SetId(HttpResponse response, NchanMessageId? id)
    {
        if (id is { } known)
        {
            response.Headers.LastModified = known.LastModified;
            response.Headers.ETag = known.Etag;
        }
    }
}
