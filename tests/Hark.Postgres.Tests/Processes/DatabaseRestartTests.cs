using System.Diagnostics;
using System.Net;
using Xunit.Abstractions;

namespace Hark.Postgres.Tests.Processes;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DatabaseRestartCollection
{
    /// <summary>These tests stop the shared test cluster, so they run alone, after the others.</summary>
    public const string Name = "PostgreSQL restart";
}

/// <summary>PostgreSQL stops and starts again under running nodes.</summary>
[Collection(DatabaseRestartCollection.Name)]
public sealed class DatabaseRestartTests(TestDatabase database, ITestOutputHelper output) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private readonly List<ServerProcess> _servers = [];
    private readonly HarkHttp _http = new();

    private static string ClusterFolder => Environment.GetEnvironmentVariable("HARK_TEST_POSTGRES_DIR") is { Length: > 0 } dir
        ? dir
        : throw new InvalidOperationException("HARK_TEST_POSTGRES_DIR is not set: run the tests with ./scripts/test.sh.");

    [Fact]
    public async Task PostgresRestarted_PublishersSee503_NodesRecoverAlone_NothingAcknowledgedLost()
    {
        var folder = ClusterFolder;
        _servers.AddRange(await Task.WhenAll(
            ServerProcess.StartAsync("A", database.ConnectionString), ServerProcess.StartAsync("B", database.ConnectionString)));
        var (a, b) = (_servers[0].Address, _servers[1].Address);
        var channel = "r" + Guid.NewGuid().ToString("N")[..12];
        var start = (await _http.PollAsync(b, channel, null, 0)).Cursor;
        var acknowledged = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await _http.PublishAsync(a, channel, $"m{acknowledged.Count}")).Status);
            acknowledged.Add($"m{acknowledged.Count}");
        }
        var cursor = (await _http.PollAsync(b, channel, null, 0)).Cursor;
        // Held on B across the outage: it must end normally (at its timeout, or with messages), not fail.
        var held = _http.PollAsync(b, channel, cursor, 20);
        await MultiNodeTests.Until(async () => await _http.SubscribersAsync(b, channel) == 1, "B holds the poll");

        await Cluster("pause", folder);
        var refused = 0;
        try
        {
            for (var i = 0; i < 20; i++)
            {
                var (status, _) = await _http.PublishAsync(a, channel, $"x{i}");
                Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
                refused++;
            }
            using (var problem = await _http.PublishRawAsync(b, channel, "x"))
            {
                // A problem a client can act on: its type, and when to try again.
                Assert.Equal(HttpStatusCode.ServiceUnavailable, problem.StatusCode);
                Assert.Equal("application/problem+json", problem.Content.Headers.ContentType?.MediaType);
                Assert.Contains("urn:hark:problem:unavailable", await problem.Content.ReadAsStringAsync());
                Assert.NotNull(problem.Headers.RetryAfter);
            }
            await MultiNodeTests.Until(async () => !await _http.IsReadyAsync(a) && !await _http.IsReadyAsync(b), "both nodes report not ready");
        }
        finally
        {
            await Cluster("resume", folder);
        }

        await MultiNodeTests.Until(async () => await _http.IsReadyAsync(a) && await _http.IsReadyAsync(b), "both nodes are ready again");
        // Publishers retry on 503; only an acknowledged publish counts as sent.
        while (acknowledged.Count < 15)
        {
            var text = $"m{acknowledged.Count}";
            var (status, _) = await _http.PublishAsync(a, channel, text);
            if (status == HttpStatusCode.Accepted)
            {
                acknowledged.Add(text);
            }
            else
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            }
        }

        var heldPoll = await held.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.OK, heldPoll.Status);
        var seen = new List<string>();
        var position = start;
        while (seen.Count < acknowledged.Count)
        {
            var poll = await _http.PollAsync(seen.Count % 2 == 0 ? b : a, channel, position, 10).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.False(poll.Gap);
            seen.AddRange(poll.Data);
            position = poll.Cursor;
        }
        Assert.Equal(20, refused);
        Assert.Equal(acknowledged, seen);
    }

    private static async Task Cluster(string verb, string folder)
    {
        var script = Path.Combine(Path.GetDirectoryName(ServerProcess.ServerDll)!, "..", "..", "..", "..", "..", "scripts", "postgres.sh");
        using var process = Process.Start(new ProcessStartInfo("bash", [Path.GetFullPath(script), verb, folder]) { RedirectStandardError = true })!;
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        Assert.True(process.ExitCode == 0, $"postgres.sh {verb} failed: {await process.StandardError.ReadToEndAsync()}");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var server in _servers)
        {
            output.WriteLine(server.Output);
            await server.DisposeAsync();
        }
        _http.Dispose();
    }
}
