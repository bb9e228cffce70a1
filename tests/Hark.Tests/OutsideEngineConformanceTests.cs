using Hark.Hub;
using Hark.Memory;
using Hark.OutsideEngine;

namespace Hark.Tests;

/// <summary>
/// The whole suite against an engine from another assembly, written against Hark's public API only; and, because
/// it counts reads, proof that a fan-out reads once.
/// </summary>
public sealed class OutsideEngineConformanceTests : VersionConformanceTests
{
    protected override IHarkEngine CreateEngine(TimeProvider time, HistoryOptions history) => new CountingEngine(new MemoryEngine(history, time));

    [Fact]
    public async Task Fanout_ManyWaitersAtOneCursor_ReadOnceForAll()
    {
        var c = NewChannel();
        var now = await Now(c);
        var waits = Enumerable.Range(0, 500).Select(_ => Engine.WaitAsync(now, TimeSpan.FromMinutes(1), default).AsTask()).ToList();
        var engine = (CountingEngine)Engine;
        var readsBefore = engine.Reads;

        var published = await Publish(c, "x");

        var results = await Task.WhenAll(waits).WaitAsync(Patience);
        Assert.All(results, r => Assert.Equal(WakeReason.Ready, r.Reason));
        Assert.Equal(500, published.Subscribers);
        Assert.Equal(1, engine.Reads - readsBefore);
        Assert.Equal(1, engine.Reports);
    }
}
