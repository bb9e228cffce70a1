using Hark.Memory;

namespace Hark.Tests;

public sealed class MemoryEngineConformanceTests : VersionConformanceTests
{
    protected override IHarkEngine CreateEngine(TimeProvider time, HistoryOptions history) => new MemoryEngine(history, time);
}
