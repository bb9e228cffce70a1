namespace Hark.Bench.Scenarios;

/// <summary>Delivery latency in milliseconds: headline percentiles and the whole distribution at 1% steps, for plots.</summary>
internal sealed record LatencySummary(double P50, double P90, double P99, double Max, double Mean, IReadOnlyList<double> Percentiles)
{
    public static LatencySummary? From(List<double> millis)
    {
        if (millis.Count == 0)
        {
            return null;
        }
        millis.Sort();
        double At(double q) => millis[Math.Min(millis.Count - 1, (int)Math.Ceiling(q * millis.Count) - 1 < 0 ? 0 : (int)Math.Ceiling(q * millis.Count) - 1)];
        var percentiles = Enumerable.Range(0, 101).Select(p => Math.Round(At(p / 100.0), 3)).ToList();
        return new LatencySummary(Math.Round(At(0.5), 3), Math.Round(At(0.9), 3), Math.Round(At(0.99), 3), Math.Round(millis[^1], 3), Math.Round(millis.Average(), 3), percentiles);
    }
}
