using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Hark.AspNetCore.Internal.Transports;

/// <summary>
/// The loop shared by SSE and NDJSON. Each turn ends in one of: messages or a gap are written and
/// flushed; the heartbeat is due (a heartbeat is written); the client went away (the loop ends); a
/// channel was deleted (a closed notice, then the end); the server is stopping (the stream ends
/// cleanly, the client resumes elsewhere); the client stopped reading (a write outlasts
/// <see cref="StreamOptions.WriteTimeout"/> and the connection is dropped, freeing its buffers).
/// </summary>
internal sealed partial class StreamTransport(IHarkEngine engine, HarkMetrics metrics, StreamOptions options, ILogger<StreamTransport> logger)
{
    public async Task HandleAsync(HttpContext context, IStreamFormat format, SubscribeRequest request, IReadOnlyList<ChannelPosition> positions)
    {
        var response = context.Response;
        response.ContentType = format.ContentType;
        response.Headers.CacheControl = "no-cache, no-store";
        // nginx buffers proxied responses unless told not to.
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        var aborted = context.RequestAborted;
        var output = response.BodyWriter;
        var cursor = new SubscriptionCursor(positions);
        metrics.HoldStarted(format.Name);
        try
        {
            format.WriteOpen(output, cursor.Current);
            if (!await FlushAsync(context, output, format.Name, aborted))
            {
                return;
            }
            while (true)
            {
                var batch = await engine.ReadAsync(cursor.Positions, request.Max, aborted);
                if (!batch.IsEmpty)
                {
                    if (batch.Gaps.Count > 0)
                    {
                        cursor.SkipGaps(batch);
                        format.WriteGap(output, batch.Gaps, cursor.Current);
                        metrics.Gaps(batch.Gaps.Count);
                    }
                    foreach (var message in batch.Messages)
                    {
                        format.WriteMessage(output, message, cursor.Advance(message));
                    }
                    cursor.Set(batch.Positions);
                    metrics.Delivered(batch.Messages.Count, format.Name);
                    if (!await FlushAsync(context, output, format.Name, aborted))
                    {
                        return;
                    }
                }
                var wake = await engine.WaitAsync(cursor.Positions, options.HeartbeatInterval, aborted);
                switch (wake.Reason)
                {
                    case WakeReason.Ready:
                        continue;
                    case WakeReason.Timeout:
                        format.WriteHeartbeat(output);
                        if (!await FlushAsync(context, output, format.Name, aborted))
                        {
                            return;
                        }
                        continue;
                    case WakeReason.Closed:
                        format.WriteClosed(output, wake.Channel!);
                        await FlushAsync(context, output, format.Name, aborted);
                        return;
                    default:
                        return;
                }
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away mid-read; nothing is owed to it.
        }
        finally
        {
            metrics.HoldEnded(format.Name);
        }
    }

    /// <summary>Flushes within the write timeout; false when the stream is over (client gone, or dropped for not reading).</summary>
    private async ValueTask<bool> FlushAsync(HttpContext context, PipeWriter output, string transport, CancellationToken aborted)
    {
        try
        {
            var flush = output.FlushAsync(aborted);
            // Most flushes finish at once (the socket had room); only a waiting one needs a deadline.
            var result = flush.IsCompleted ? flush.Result : await flush.AsTask().WaitAsync(options.WriteTimeout, aborted);
            return !result.IsCompleted && !result.IsCanceled;
        }
        catch (TimeoutException)
        {
            Log.SlowClientDropped(logger, transport, context.Connection.RemoteIpAddress?.ToString(), options.WriteTimeout.TotalSeconds);
            metrics.Dropped(transport);
            context.Abort();
            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
