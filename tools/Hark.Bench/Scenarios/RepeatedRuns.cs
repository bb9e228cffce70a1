namespace Hark.Bench.Scenarios;

/// <summary>
/// Folds repeated runs of one scenario into one result: the median run by the scenario's headline figure
/// (deliveries per second, or the best lossless rate), every run's headline kept beside it, and losses,
/// duplicates and errors added up over all runs so none hides behind the median.
/// </summary>
internal static class RepeatedRuns
{
    public static ScenarioResult Median(IReadOnlyList<ScenarioResult> runs)
    {
        var ordered = runs.OrderBy(Headline).ThenBy(RateAfterBest).ToList();
        var median = ordered[(ordered.Count - 1) / 2];
        return median with
        {
            Lost = runs.Sum(r => r.Lost),
            Duplicates = runs.Sum(r => r.Duplicates),
            Errors = runs.Sum(r => r.Errors),
            Runs = [.. runs.Select(r => new RunSummary(r.DeliveriesPerSecond, r.Latency?.P99, r.BestRate, r.Lost, r.Duplicates, r.Errors, r.ServerCpu))],
        };
    }

    /// <summary>What a run is ranked by: the best lossless rate, or deliveries per second.</summary>
    private static double Headline(ScenarioResult run) => run.Scenario == "throughput" ? run.BestRate ?? 0 : run.DeliveriesPerSecond;

    /// <summary>Between throughput runs with the same best rate, the one whose publisher got further at the next step ranks higher.</summary>
    private static double RateAfterBest(ScenarioResult run) => (run.Steps ?? []).FirstOrDefault(s => !s.Passed)?.AchievedRate ?? 0;
}
