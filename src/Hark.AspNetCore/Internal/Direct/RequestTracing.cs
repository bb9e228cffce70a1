using System.Diagnostics;

namespace Hark.AspNetCore.Internal.Direct;

/// <summary>
/// Whether the hosting layer would record a request's trace context right now: its <see cref="ActivitySource"/>
/// (<c>Microsoft.AspNetCore</c>) has a listener, or its <see cref="DiagnosticListener"/> of the same name has a
/// subscriber. Then a request carrying <c>traceparent</c> belongs to the pipeline, which starts the request's
/// activity as the caller's child; otherwise nothing would see that activity, and answering on the connection
/// loses nothing.
/// </summary>
/// <remarks>
/// These are the hosting layer's own instances, taken from the container where it registers them, so the
/// answer is the one it would get. Both checks are a field read, and they are asked per request because
/// listeners come and go (a tracer provider built late, a diagnostics tool attached to a running process).
/// </remarks>
internal sealed class RequestTracing(ActivitySource hosting, DiagnosticListener diagnostics)
{
    public bool IsRecording => hosting.HasListeners() || diagnostics.IsEnabled();
}
