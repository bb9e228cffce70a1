using Hark.Hub;
using Hark.Memory;

namespace Hark.Tests;

/// <summary>
/// How a hold ends when a change is reported between its registration and the end of its first read: the hub already
/// counts it as waiting then, so the report is its answer just as it is for one that had begun to wait.
/// </summary>
public sealed class HubHoldTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly DeadlineWheel _wheel = new(TimeProvider.System, TimeSpan.FromMilliseconds(20));
    private readonly MemoryEngine _store = new(new HistoryOptions(), TimeProvider.System);
    private readonly GatedEngine _engine;
    private readonly FanoutHub _hub;

    public HubHoldTests()
    {
        _engine = new GatedEngine(_store);
        _hub = EngineWaits.AttachHub(_engine, _wheel, TimeProvider.System);
    }

    [Fact]
    public async Task DeleteWhileTheFirstReadIsOut_AnswersClosed()
    {
        var c = "k" + Guid.NewGuid().ToString("N")[..8];
        await _store.PublishAsync(new PublishRequest(c, null, MessagePayload.FromText("1")), default);
        var cursor = await _store.GetStartAsync([c], StartPoint.Now, default);

        // The subscriber is registered (the hub reports it waiting) and its read has not reached the store yet.
        var gate = _engine.HoldReads();
        var hold = _hub.HoldAsync(cursor, 100, TimeSpan.FromSeconds(30), default).AsTask();
        await _engine.UntilReadWaitsAsync(Patience);
        Assert.Equal(1, _hub.Waiting(c));
        Assert.True(await _hub.DeleteAsync(c, default).AsTask().WaitAsync(Patience));
        // Its read now finds the deleted history gone: a reset gap.
        gate.SetResult();

        var held = await hold.WaitAsync(Patience);
        Assert.Equal(WakeReason.Closed, held.Reason);
        Assert.Equal(c, held.Channel);
    }

    public void Dispose()
    {
        _hub.Stop();
        _hub.Dispose();
        _wheel.Dispose();
        _store.Dispose();
    }
}
