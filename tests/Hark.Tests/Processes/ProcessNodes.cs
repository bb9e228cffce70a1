using Xunit.Abstractions;

namespace Hark.Tests.Processes;

/// <summary>
/// The server processes ("nodes") of one test, all with the same engine settings, and the HTTP client the test talks
/// to them with. Disposing writes every node's output to the test log and kills what still runs.
/// </summary>
public sealed class ProcessNodes(ITestOutputHelper output) : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly List<ServerProcess> _servers = [];

    public HarkHttp Http { get; } = new();

    /// <summary>Starts one node with <paramref name="settings"/>.</summary>
    public async Task<ServerProcess> StartAsync(string name, IReadOnlyDictionary<string, string> settings)
    {
        var server = await ServerProcess.StartAsync(name, settings);
        lock (_servers)
        {
            _servers.Add(server);
        }
        return server;
    }

    /// <summary>Starts one node per name, side by side.</summary>
    public Task<ServerProcess[]> StartAsync(IReadOnlyDictionary<string, string> settings, params string[] names) =>
        Task.WhenAll(names.Select(name => StartAsync(name, settings)));

    /// <summary>Checks a condition until it holds or the patience runs out (a deadline, not a sleep to synchronise).</summary>
    public static async Task Until(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            output.WriteLine(server.Output);
            await server.DisposeAsync();
        }
        Http.Dispose();
    }
}
