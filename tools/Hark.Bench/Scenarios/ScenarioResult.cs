namespace Hark.Bench.Scenarios;

/// <summary>One scenario run against one target, as written to JSON and read back by the report.</summary>
internal sealed record ScenarioResult
{
    public required string Scenario { get; init; }

    public required string Target { get; init; }

    public required string Transport { get; init; }

    public required DateTimeOffset Started { get; init; }

    public double DurationSeconds { get; init; }

    public int Subscribers { get; init; }

    public int Messages { get; init; }

    public int Channels { get; init; }

    public long Deliveries { get; init; }

    public long Lost { get; init; }

    public long Duplicates { get; init; }

    public long Errors { get; init; }

    public double DeliveriesPerSecond { get; init; }

    public LatencySummary? Latency { get; init; }

    public IReadOnlyList<MemoryPoint>? Memory { get; init; }

    public double? BytesPerConnection { get; init; }

    public IReadOnlyList<RateStep>? Steps { get; init; }

    public double? BestRate { get; init; }

    /// <summary>Throughput only: how many publishers were in flight.</summary>
    public int? Publishers { get; init; }

    /// <summary>
    /// The server's CPU time over the window deliveries per second are measured over (fan-outs), or over the step at
    /// the best lossless rate (throughput); absent without a server pid or a readable /proc.
    /// </summary>
    public ServerCpu? ServerCpu { get; init; }

    public string? Note { get; init; }

    /// <summary>
    /// With <c>--repeat</c>: every run's headline figures, in order. The rest of the result is the median run's,
    /// except lost, duplicated and errors, which add up all runs.
    /// </summary>
    public IReadOnlyList<RunSummary>? Runs { get; init; }
}

/// <summary>One run's headline figures, kept when a scenario is repeated.</summary>
internal sealed record RunSummary(double DeliveriesPerSecond, double? P99Ms, double? BestRate, long Lost, long Duplicates, long Errors, ServerCpu? ServerCpu = null);

/// <summary>The server's resident memory with <paramref name="Connections"/> subscribers held.</summary>
internal sealed record MemoryPoint(int Connections, long Held, long RssBytes);

/// <summary>One publish rate of the throughput scenario; the server's CPU from the first publish until every delivery was in (or the drain gave up).</summary>
internal sealed record RateStep(int TargetRate, double AchievedRate, long Sent, long Expected, long Delivered, long Lost, double P99Ms, bool Passed, string? Why, ServerCpu? ServerCpu = null);
