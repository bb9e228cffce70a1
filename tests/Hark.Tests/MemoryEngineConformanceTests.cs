using Hark.Internal;
using Hark.Memory;

namespace Hark.Tests;

public sealed class MemoryEngineConformanceTests : VersionConformanceTests
{
    private DeadlineWheel? _wheel;

    protected override IHarkEngine CreateEngine(TimeProvider time, HistoryOptions history)
    {
        _wheel = Track(new DeadlineWheel(time, TimeSpan.FromMilliseconds(100)));
        return new MemoryEngine(history, time, _wheel);
    }

    protected override void Stop(IHarkEngine engine) => _wheel!.Stop();
}
