using Hark.AspNetCore.Internal.Admin;

namespace Hark.AspNetCore.Tests;

public sealed class HistogramMathTests
{
    [Fact]
    public void Of_InterpolatesWithinBuckets_LikeHistogramQuantile()
    {
        double[] bounds = [1, 2, 4];
        // 10 at or below 1, 10 in (1, 2], none above.
        var p = HistogramMath.Of(bounds, [10, 10, 0, 0]);
        Assert.Equal(20, p.Count);
        Assert.Equal(1.0, p.P50!.Value, 6);
        Assert.Equal(1.8, p.P90!.Value, 6);
        Assert.Equal(1.98, p.P99!.Value, 6);
    }

    [Fact]
    public void Of_NothingObserved_HasNoPercentiles_AndTheUnboundedBucketSaysItsLowerBound()
    {
        Assert.Null(HistogramMath.Of([1, 2], [0, 0, 0]).P50);
        Assert.Equal(2, HistogramMath.Of([1, 2], [0, 0, 5]).P99);
        Assert.Equal([1, 0, 3], HistogramMath.Minus([3, 4, 5], [2, 4, 2]));
    }
}
