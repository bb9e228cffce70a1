using System.Diagnostics;
using Hark.Redis.Internal;
using Hark.Tests;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hark.Redis.Tests;

/// <summary>
/// The test Redis (<c>HARK_TEST_REDIS</c>, which <c>scripts/test.sh</c> sets from <c>scripts/redis.sh</c>) and engine
/// instances ("nodes") on it, each with its own hub and deadline wheel, all disposed together. Each instance of this
/// class has a key prefix of its own, so tests share the server and run in parallel. Without the variable the tests
/// fail: they are never skipped silently.
/// </summary>
public sealed class TestRedis : IAsyncDisposable
{
    public const string Variable = "HARK_TEST_REDIS";

    private readonly EngineNodes _nodes = new();

    public static string Server => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } s
        ? s
        : throw new InvalidOperationException($"{Variable} is not set: run the tests with ./scripts/test.sh, which starts a throwaway redis-server.");

    public string Prefix { get; } = "t" + Guid.NewGuid().ToString("N")[..10] + ":";

    /// <summary>An engine on the test Redis (or <paramref name="configuration"/>), not attached to any hub.</summary>
    internal RedisEngine NewEngine(HistoryOptions history, TimeProvider time, string? configuration = null, bool? sharded = null) =>
        new(new RedisOptions
        {
            ShardedPubSub = sharded,
            Configuration = configuration ?? Server + ",asyncTimeout=2000,connectTimeout=2000",
            KeyPrefix = Prefix,
            KeepAliveInterval = TimeSpan.FromSeconds(1),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(500),
        }, history, time, NullLogger<RedisEngine>.Instance);

    /// <summary>A node: an engine with a hub of its own, as a Hark server runs it.</summary>
    internal RedisEngine NewNode(HistoryOptions history, string? configuration = null, bool? sharded = null) =>
        _nodes.Add(NewEngine(history, TimeProvider.System, configuration, sharded));

    /// <summary>Runs <c>redis-cli</c> against <paramref name="server"/> (host:port) and returns what it printed.</summary>
    public static async Task<string> CliAsync(string server, params string[] arguments)
    {
        var colon = server.LastIndexOf(':');
        var start = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["-h", server[..colon], "-p", server[(colon + 1)..], .. arguments])
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return output;
    }

    public ValueTask DisposeAsync() => _nodes.DisposeAsync();
}
