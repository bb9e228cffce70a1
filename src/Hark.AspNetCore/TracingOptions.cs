namespace Hark.AspNetCore;

/// <summary>Hark's traces (ActivitySource <c>Hark</c>), recorded only where the host has a tracer provider listening.</summary>
public sealed class TracingOptions
{
    /// <summary>
    /// The share of deliveries, from 0 to 1, that record a span in their publish's trace. A publish always records its
    /// span; a fan-out to 10,000 subscribers records about 10,000 × this many delivery spans. Default 0.01.
    /// </summary>
    public double DeliverySampleRate { get; set; } = 0.01;
}
