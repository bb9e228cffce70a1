using Hark.Tests;

namespace Hark.Postgres.Tests;

/// <summary>The shared engine suite, with versions and latest-value channels, against a real PostgreSQL.</summary>
public sealed class PostgresEngineConformanceTests(TestDatabase database) : VersionConformanceTests, IClassFixture<TestDatabase>
{
    protected override IHarkEngine CreateEngine(TimeProvider time, HistoryOptions history) => database.NewEngine(history, time);
}
