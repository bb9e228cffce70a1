namespace Hark.AspNetCore.Internal.Admin;

/// <summary>Percentiles from bucket counts, as Prometheus's <c>histogram_quantile</c> computes them: linear within the bucket.</summary>
internal static class HistogramMath
{
    public static Percentiles Of(double[] bounds, long[] counts)
    {
        long total = 0;
        foreach (var c in counts)
        {
            total += c;
        }
        return total == 0 ? new Percentiles(0, null, null, null)
            : new Percentiles(total, Quantile(0.5, bounds, counts, total), Quantile(0.9, bounds, counts, total), Quantile(0.99, bounds, counts, total));
    }

    public static long[] Minus(long[] now, long[]? before)
    {
        var delta = new long[now.Length];
        for (var i = 0; i < now.Length; i++)
        {
            delta[i] = before is not null && i < before.Length ? Math.Max(0, now[i] - before[i]) : now[i];
        }
        return delta;
    }

    private static double Quantile(double q, double[] bounds, long[] counts, long total)
    {
        var rank = q * total;
        long below = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            if (below + counts[i] >= rank && counts[i] > 0)
            {
                if (i == bounds.Length)
                {
                    // The unbounded bucket: the highest bound is all that can be said.
                    return bounds[^1];
                }
                var lower = i == 0 ? 0 : bounds[i - 1];
                return lower + ((bounds[i] - lower) * (rank - below) / counts[i]);
            }
            below += counts[i];
        }
        return bounds[^1];
    }
}
