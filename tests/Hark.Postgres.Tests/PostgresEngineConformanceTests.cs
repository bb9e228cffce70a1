using Hark.Internal;
using Hark.Postgres.Internal;
using Hark.Tests;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hark.Postgres.Tests;

/// <summary>The shared engine suite, with versions and latest-value channels, against a real PostgreSQL.</summary>
public sealed class PostgresEngineConformanceTests(TestDatabase database) : VersionConformanceTests, IClassFixture<TestDatabase>
{
    private DeadlineWheel? _wheel;

    protected override IHarkEngine CreateEngine(TimeProvider time, HistoryOptions history)
    {
        _wheel = Track(new DeadlineWheel(time, TimeSpan.FromMilliseconds(100)));
        return new PostgresEngine(new PostgresOptions { ConnectionString = database.ConnectionString }, history, EngineLimits.Default, time, _wheel, NullLogger<PostgresEngine>.Instance);
    }

    protected override void Stop(IHarkEngine engine) => _wheel!.Stop();
}
