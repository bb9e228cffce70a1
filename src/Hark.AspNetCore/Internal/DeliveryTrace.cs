using System.Diagnostics;

namespace Hark.AspNetCore.Internal;

/// <summary>
/// A sampled delivery's span, in the trace of the publish that made its message (from the <c>traceparent</c> the
/// engine stored with it): it starts when the publish was accepted and ends when the delivery was written, so its
/// length is the publish-to-delivery latency. Sampled per write (<c>Hark:Tracing:DeliverySampleRate</c>).
/// </summary>
internal static class DeliveryTrace
{
    public static void Record(IReadOnlyList<HarkMessage> messages, string transport, DateTimeOffset now, double sampleRate)
    {
        var first = messages[0];
        if (first.TraceParent is not { } traceParent || !HarkTracing.Source.HasListeners()
            || (sampleRate < 1 && Random.Shared.NextDouble() >= sampleRate)
            || !ActivityContext.TryParse(traceParent, null, isRemote: true, out var publish))
        {
            return;
        }
        // The subscriber's own request span, when the host records one, is linked: the delivery belongs to both.
        var links = Activity.Current is { } request ? new[] { new ActivityLink(request.Context) } : null;
        using var activity = HarkTracing.Source.StartActivity("hark.deliver", ActivityKind.Consumer, publish, links: links, startTime: first.Time);
        if (activity is null)
        {
            return;
        }
        activity.SetTag("hark.channel", first.Channel);
        activity.SetTag("hark.seq", first.Seq);
        activity.SetTag("hark.transport", transport);
        activity.SetTag("hark.messages", messages.Count);
        activity.SetTag("hark.delivery.latency", (now - first.Time).TotalSeconds);
        activity.SetEndTime(now.UtcDateTime);
    }
}
