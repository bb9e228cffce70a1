using Hark.Hub;

namespace Hark.Tests;

public sealed class DeadlineWheelTests : IDisposable
{
    private readonly ManualTimeProvider _time = new();
    private readonly DeadlineWheel _wheel;

    public DeadlineWheelTests() => _wheel = new DeadlineWheel(_time, TimeSpan.FromMilliseconds(100));

    [Fact]
    public async Task Schedule_FiresAtItsDeadline_NotBefore()
    {
        var waiter = new Waiter();
        Assert.True(_wheel.Schedule(waiter, TimeSpan.FromSeconds(1)));

        _time.Advance(TimeSpan.FromMilliseconds(900));
        Assert.False(waiter.IsSignalled);
        _time.Advance(TimeSpan.FromMilliseconds(200));

        Assert.Equal(WakeReason.Timeout, (await waiter.Task.AsTask().WaitAsync(TimeSpan.FromSeconds(10))).Reason);
        Assert.Equal(0, _wheel.Count);
    }

    [Fact]
    public void Cancel_RemovesTheDeadline()
    {
        var waiter = new Waiter();
        _wheel.Schedule(waiter, TimeSpan.FromSeconds(1));
        _wheel.Cancel(waiter);
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(waiter.IsSignalled);
        Assert.Equal(0, _wheel.Count);
    }

    [Fact]
    public void Deadline_LongerThanOneLap_StillWaitsItsFullTime()
    {
        var waiter = new Waiter();
        _wheel.Schedule(waiter, TimeSpan.FromSeconds(250));
        _time.Advance(TimeSpan.FromSeconds(200));
        Assert.False(waiter.IsSignalled);
        _time.Advance(TimeSpan.FromSeconds(51));
        Assert.True(waiter.IsSignalled);
    }

    [Fact]
    public void Stop_AnswersAll_AndRefusesNew()
    {
        var waiters = Enumerable.Range(0, 50).Select(_ => new Waiter()).ToList();
        waiters.ForEach(w => _wheel.Schedule(w, TimeSpan.FromSeconds(30)));

        Assert.Equal(50, _wheel.Stop());

        Assert.All(waiters, w => Assert.True(w.IsSignalled));
        Assert.False(_wheel.Schedule(new Waiter(), TimeSpan.FromSeconds(1)));
    }

    public void Dispose() => _wheel.Dispose();
}
