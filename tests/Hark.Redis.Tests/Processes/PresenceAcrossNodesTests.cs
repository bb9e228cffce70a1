using Hark.Tests.Processes;
using Xunit.Abstractions;

namespace Hark.Redis.Tests.Processes;

/// <summary>The shared presence-across-nodes suite on the test Redis.</summary>
public sealed class PresenceAcrossNodesTests(ITestOutputHelper output) : PresenceAcrossNodesConformanceTests(output)
{
    protected override IReadOnlyDictionary<string, string> NodeSettings { get; } = RedisNodes.Settings(TestRedis.Server, RedisNodes.NewPrefix());
}
