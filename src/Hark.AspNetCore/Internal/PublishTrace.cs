using System.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Hark.AspNetCore.Internal;

/// <summary>
/// A publish's span (ActivitySource <c>Hark</c>) and the trace context its messages carry through the engine, so
/// each delivery, on any node, joins the publish's trace (<see cref="DeliveryTrace"/>).
/// </summary>
internal static class PublishTrace
{
    /// <summary>
    /// Starts the publish's span: a child of the request's own span when the host records one, else of the publisher's
    /// <c>traceparent</c>. With no tracer listening there is no span, and the messages carry the publisher's
    /// <c>traceparent</c> (checked, re-formatted), so a node that does trace still links its deliveries.
    /// </summary>
    public static Activity? Start(HttpContext context, string operation, out string? traceParent)
    {
        var current = Activity.Current;
        // The hosting layer makes a request activity for its log scopes even when nobody records it; a request that
        // came without trace context then has an unrecorded root that would make every child unrecorded too. Such a
        // root is no parent: the publish starts its own trace (and the request's activity is current again after it).
        var ambient = current is { Recorded: false, ParentSpanId: var p } && p == default && current.Source.Name.Length == 0;
        ActivityContext parent = default;
        if ((current is null || ambient) && context.Request.Headers.TraceParent is { Count: 1 } header)
        {
            ActivityContext.TryParse(header[0], context.Request.Headers.TraceState.ToString() is { Length: > 0 } state ? state : null,
                isRemote: true, out parent);
        }
        if (ambient)
        {
            Activity.Current = null;
        }
        var activity = HarkTracing.Source.StartActivity(operation, ActivityKind.Producer, parent);
        if (ambient)
        {
            // Ending the publish's span makes its parent (none) current; the request's activity comes back now, for
            // the rest of the request's log scopes, and the publish's span is ended by reference.
            Activity.Current = current;
        }
        traceParent = activity is { IdFormat: ActivityIdFormat.W3C } ? activity.Id
            : current is { IdFormat: ActivityIdFormat.W3C } && !ambient ? current.Id
            : parent != default ? Format(parent)
            : null;
        return activity;
    }

    /// <summary>Tags the span with what the publish did.</summary>
    public static void Published(Activity? activity, PublishResult result)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("hark.channel", result.Channel);
            activity.SetTag("hark.seq", result.Seq);
            activity.SetTag("hark.subscribers", result.Subscribers);
        }
    }

    private static string Format(ActivityContext context) =>
        $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-{(context.TraceFlags.HasFlag(ActivityTraceFlags.Recorded) ? "01" : "00")}";
}
