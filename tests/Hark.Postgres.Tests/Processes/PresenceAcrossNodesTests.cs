using Hark.Tests.Processes;
using Xunit.Abstractions;

namespace Hark.Postgres.Tests.Processes;

/// <summary>The shared presence-across-nodes suite on one database.</summary>
public sealed class PresenceAcrossNodesTests(TestDatabase database, ITestOutputHelper output) : PresenceAcrossNodesConformanceTests(output), IClassFixture<TestDatabase>
{
    protected override IReadOnlyDictionary<string, string> NodeSettings => PostgresNodes.Settings(database);
}
