using Hark.Tests.Processes;
using Xunit.Abstractions;

namespace Hark.Postgres.Tests.Processes;

/// <summary>What puts a server process on the test database.</summary>
internal static class PostgresNodes
{
    public static IReadOnlyDictionary<string, string> Settings(TestDatabase database) => new Dictionary<string, string>
    {
        ["Hark__Engine"] = "postgres",
        ["Hark__Postgres__ConnectionString"] = database.ConnectionString,
        ["Hark__Postgres__MaxReconnectDelay"] = "00:00:01",
    };
}

/// <summary>The shared multi-node suite: server processes on one database.</summary>
public sealed class MultiNodeTests(TestDatabase database, ITestOutputHelper output) : MultiNodeConformanceTests(output), IClassFixture<TestDatabase>
{
    protected override IReadOnlyDictionary<string, string> NodeSettings => PostgresNodes.Settings(database);
}

/// <summary>The shared ask/reply-across-nodes suite on one database.</summary>
public sealed class AskAcrossNodesTests(TestDatabase database, ITestOutputHelper output) : AskAcrossNodesConformanceTests(output), IClassFixture<TestDatabase>
{
    protected override IReadOnlyDictionary<string, string> NodeSettings => PostgresNodes.Settings(database);
}

/// <summary>The shared bad-input suite: a node on the test database answers as a memory node does.</summary>
public sealed class BadInputTests(TestDatabase database, ITestOutputHelper output) : BadInputConformanceTests(output), IClassFixture<TestDatabase>
{
    protected override IReadOnlyDictionary<string, string> NodeSettings => PostgresNodes.Settings(database);
}
