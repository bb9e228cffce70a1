using Hark.Presence;

namespace Hark.Tests.Presence;

/// <summary>The presence store suite against the memory store, on a clock the test moves.</summary>
public sealed class MemoryPresenceStoreTests : PresenceStoreConformanceTests
{
    private readonly ManualTimeProvider _time = new();
    private MemoryPresenceStore? _store;

    // One process: every "node" is the same store.
    protected override IPresenceStore CreateStore() => _store ??= new MemoryPresenceStore(_time);

    protected override DateTimeOffset Now => _time.GetUtcNow();

    protected override Task PassAsync(TimeSpan by)
    {
        _time.Advance(by);
        return Task.CompletedTask;
    }
}
