using System.Diagnostics;
using Hark.Tests.Processes;
using Xunit.Abstractions;

namespace Hark.Postgres.Tests.Processes;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DatabaseRestartCollection
{
    /// <summary>These tests stop the shared test cluster, so they run alone, after the others.</summary>
    public const string Name = "PostgreSQL restart";
}

/// <summary>The shared store-restart suite: PostgreSQL stops and starts again under running nodes.</summary>
[Collection(DatabaseRestartCollection.Name)]
public sealed class DatabaseRestartTests(TestDatabase database, ITestOutputHelper output) : StoreRestartConformanceTests(output), IClassFixture<TestDatabase>
{
    private static string ClusterFolder => Environment.GetEnvironmentVariable("HARK_TEST_POSTGRES_DIR") is { Length: > 0 } dir
        ? dir
        : throw new InvalidOperationException("HARK_TEST_POSTGRES_DIR is not set: run the tests with ./scripts/test.sh.");

    protected override IReadOnlyDictionary<string, string> NodeSettings => PostgresNodes.Settings(database);

    protected override Task StopStoreAsync() => Cluster("pause");

    protected override Task StartStoreAsync() => Cluster("resume");

    private static async Task Cluster(string verb)
    {
        var script = Path.Combine(Path.GetDirectoryName(ServerProcess.ServerDll)!, "..", "..", "..", "..", "..", "scripts", "postgres.sh");
        using var process = Process.Start(new ProcessStartInfo("bash", [Path.GetFullPath(script), verb, ClusterFolder]) { RedirectStandardError = true })!;
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        Assert.True(process.ExitCode == 0, $"postgres.sh {verb} failed: {await process.StandardError.ReadToEndAsync()}");
    }
}
