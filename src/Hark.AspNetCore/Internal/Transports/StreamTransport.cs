using System.Buffers;
using System.IO.Pipelines;
using Hark.Hub;
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
internal sealed partial class StreamTransport(FanoutHub hub, HarkMetrics metrics, StreamOptions options, TimeProvider time, ILogger<StreamTransport> logger)
{
    /// <summary>
    /// Runs a stream from <paramref name="positions"/>. A <paramref name="grant"/> the hook just issued goes out first, for
    /// the client to present when it reconnects; the stream ends when the authorization it runs under expires
    /// (<paramref name="until"/>), so its client reconnects and is authorized again.
    /// </summary>
    public async Task HandleAsync(HttpContext context, IStreamFormat format, SubscribeRequest request, IReadOnlyList<ChannelPosition> positions,
        string? grant = null, DateTimeOffset? until = null)
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
            if (grant is not null)
            {
                format.WriteGrant(output, grant);
            }
            if (!await FlushAsync(context, output, format.Name, aborted))
            {
                return;
            }
            while (true)
            {
                var wait = options.HeartbeatInterval;
                if (until is { } expires)
                {
                    var left = expires - time.GetUtcNow();
                    if (left <= TimeSpan.Zero)
                    {
                        // The grant expired: the client reconnects from its cursor and is authorized again.
                        return;
                    }
                    wait = left < wait ? left : wait;
                }
                var held = await hub.HoldAsync(cursor.Positions, request.Max, wait, aborted);
                switch (held.Reason)
                {
                    case WakeReason.Ready:
                        Write(format, output, cursor, held.Batch!, held.Shared);
                        if (!await FlushAsync(context, output, format.Name, aborted))
                        {
                            return;
                        }
                        continue;
                    case WakeReason.Timeout:
                        format.WriteHeartbeat(output);
                        if (!await FlushAsync(context, output, format.Name, aborted))
                        {
                            return;
                        }
                        continue;
                    case WakeReason.Closed:
                        format.WriteClosed(output, held.Channel!);
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

    /// <summary>
    /// Writes a batch: a gap notice first, then each message with the cursor after it. The frames of a batch shared by
    /// every stream woken at one cursor are made once and copied to each.
    /// </summary>
    private void Write(IStreamFormat format, PipeWriter output, SubscriptionCursor cursor, ReadBatch batch, SharedRead? shared)
    {
        if (shared is not null && format.SharedKey is { } key && cursor.IsSingle && batch.Gaps.Count == 0)
        {
            output.Write(shared.Answer(key, batch, format, static (b, format) =>
            {
                var frames = new ArrayBufferWriter<byte>(256);
                foreach (var message in b.Messages)
                {
                    format.WriteMessage(frames, message, message.Cursor);
                }
                return frames.WrittenSpan.ToArray();
            }));
        }
        else
        {
            var frames = new FormatSink(format, output);
            cursor.Walk(batch, ref frames);
            metrics.Gaps(batch.Gaps, format.Door, format.Name);
        }
        cursor.Set(batch.Positions);
        metrics.Delivered(batch.Messages, format.Name);
    }

    private readonly struct FormatSink(IStreamFormat format, PipeWriter output) : IBatchSink
    {
        public void Gap(IReadOnlyList<ChannelGap> gaps, string cursor) => format.WriteGap(output, gaps, cursor);

        public void Message(HarkMessage message, string cursor) => format.WriteMessage(output, message, cursor);
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
