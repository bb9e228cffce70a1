namespace Hark.Bench.Scenarios;

/// <summary>
/// The server's CPU time (user and system, every thread, from <c>/proc/{pid}/stat</c>) over a scenario's measured
/// window: in all, per delivery, per publish where publishes are counted, and as a share of the window's wall time
/// (1.0 is one core busy throughout); and the load generator's own share of the same window, so a reader can tell
/// whether the server or the generator saturated, or neither (then the figure is bounded by latency, not CPU).
/// </summary>
internal sealed record ServerCpu(double Seconds, double WallSeconds, double Utilisation, double MicrosecondsPerDelivery, double? MicrosecondsPerPublish = null,
    double? GeneratorUtilisation = null)
{
    /// <summary>A share of a core at or above this counts as saturated: on a pinned core the rest is scheduling slack.</summary>
    public const double Saturated = 0.9;

    /// <summary>Which side ran out of CPU in the window: "server", "generator", "both" or "neither".</summary>
    public string Bottleneck => (Utilisation >= Saturated, GeneratorUtilisation >= Saturated) switch
    {
        (true, true) => "both",
        (true, false) => "server",
        (false, true) => "generator",
        _ => "neither",
    };
}
