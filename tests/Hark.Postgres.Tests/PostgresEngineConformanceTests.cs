using Hark.Postgres.Internal;
using Hark.Tests;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hark.Postgres.Tests;

/// <summary>The shared engine suite, with versions and latest-value channels, against a real PostgreSQL.</summary>
public sealed class PostgresEngineConformanceTests(TestDatabase database) : VersionConformanceTests, IClassFixture<TestDatabase>
{
    protected override IHarkEngine CreateEngine(TimeProvider time, HistoryOptions history) =>
        new PostgresEngine(new PostgresOptions { ConnectionString = database.ConnectionString }, history, EngineLimits.Default, time, NullLogger<PostgresEngine>.Instance);
}
