using System.Diagnostics;

namespace Hark;

/// <summary>Hark's traces: one <see cref="ActivitySource"/>, named <see cref="SourceName"/>, for publishes and their deliveries.</summary>
public static class HarkTracing
{
    /// <summary>The name to add to a tracer provider (<c>AddSource("Hark")</c>).</summary>
    public const string SourceName = "Hark";

    internal static ActivitySource Source { get; } = new(SourceName);
}
